import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import type { WebhookMessage } from '../../../../core/webhooks/messages.ts';
import { newId } from '../../../../protocol/ids.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { webhookParamsSchema, webhookTestResponseSchema } from '../../../schemas/webhooks.ts';
import { defineRoute } from '../../define-route.ts';
import { requireWebhookManagement } from './access.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/test',
  tags: ['webhooks'],
  summary: 'Send a test ping',
  description:
    'Queues a signed `webhook.test` event to this endpoint alone, whatever its filter; it shows in the delivery log like any other. ' +
    'Needs `webhooks:manage` (owner, admin). 409 for a disabled endpoint.',
  security: [{ bearer: [] }],
  request: { params: webhookParamsSchema },
  responses: {
    202: { description: 'The ping is queued', content: { 'application/json': { schema: webhookTestResponseSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const testWebhook = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const endpoint = await requireWebhookManagement(query(c), principal, c.req.valid('param').id);
  if (!endpoint.enabled) throw new ApiError('conflict', 'The endpoint is disabled; enable it first');
  const message: WebhookMessage = {
    kind: 'event',
    message_id: newId('msg'),
    org_id: endpoint.orgId,
    type: 'webhook.test',
    timestamp: new Date().toISOString(),
    data: { webhook_id: endpoint.id },
    endpoint_id: endpoint.id,
  };
  await c.env.WEBHOOK_QUEUE.send(message);
  return c.json({ message_id: message.message_id }, 202);
});
