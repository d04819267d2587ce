// Webhooks: an organization's signed event endpoints (core/webhooks/, delivered by queues/webhooks.ts), managed by
// owners and admins.
import { openApiApp } from '../../define-route.ts';
import { createWebhook } from './create.ts';
import { deleteWebhook } from './delete.ts';
import { listWebhookDeliveries } from './deliveries.ts';
import { getWebhook } from './get.ts';
import { listWebhooks } from './list.ts';
import { redeliverWebhook } from './redeliver.ts';
import { rotateWebhookSecret } from './rotate-secret.ts';
import { testWebhook } from './test-ping.ts';
import { updateWebhook } from './update.ts';

export const webhookRoutes = openApiApp()
  .openapi(listWebhooks.route, listWebhooks.handler)
  .openapi(createWebhook.route, createWebhook.handler)
  .openapi(getWebhook.route, getWebhook.handler)
  .openapi(updateWebhook.route, updateWebhook.handler)
  .openapi(deleteWebhook.route, deleteWebhook.handler)
  .openapi(listWebhookDeliveries.route, listWebhookDeliveries.handler)
  .openapi(testWebhook.route, testWebhook.handler)
  .openapi(redeliverWebhook.route, redeliverWebhook.handler)
  .openapi(rotateWebhookSecret.route, rotateWebhookSecret.handler);
