import { createRoute } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { webhookDeliveries } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { ApiError, errorResponses, notFound } from '../../../../core/errors.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { webhookDeliveryParamsSchema, webhookDeliveryResponseSchema } from '../../../schemas/webhooks.ts';
import { defineRoute } from '../../define-route.ts';
import { requireWebhookManagement, serializeDelivery } from './access.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver',
  tags: ['webhooks'],
  summary: 'Redeliver a delivery',
  description:
    'Sends the same body again, with the same `webhook-id` (so a receiver that already has it can tell) and a fresh timestamp and signature, ' +
    'with the usual retries. Needs `webhooks:manage` (owner, admin). 409 for a disabled endpoint or a delivery still being attempted.',
  security: [{ bearer: [] }],
  request: { params: webhookDeliveryParamsSchema },
  responses: {
    202: { description: 'The delivery, queued again', content: { 'application/json': { schema: webhookDeliveryResponseSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const redeliverWebhook = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id, delivery_id } = c.req.valid('param');
  const delivery = await db(c).transaction(async (tx) => {
    const endpoint = await requireWebhookManagement(tx, principal, id, { lock: true });
    if (!endpoint.enabled) throw new ApiError('conflict', 'The endpoint is disabled; enable it first');
    const [found] = await tx
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, delivery_id), eq(webhookDeliveries.endpointId, id)))
      .for('update');
    if (!found) throw notFound('Delivery');
    if (found.status === 'pending') throw new ApiError('conflict', 'The delivery is still being attempted');
    const [delivery] = await tx.update(webhookDeliveries).set({ status: 'pending', error: null }).where(eq(webhookDeliveries.id, delivery_id)).returning();
    await audit(tx, meta(c), { orgId: endpoint.orgId, action: 'webhook.redelivered', targetType: 'webhook', targetId: id, metadata: { delivery_id } });
    return delivery!;
  });
  await c.env.WEBHOOK_QUEUE.send({ kind: 'delivery', delivery_id });
  return c.json({ delivery: serializeDelivery(delivery) }, 202);
});
