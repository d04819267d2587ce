import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { webhookEndpoints } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { webhookParamsSchema, webhookResponseSchema } from '../../../schemas/webhooks.ts';
import { defineRoute } from '../../define-route.ts';
import { requireWebhookManagement, serializeWebhook } from './access.ts';

const route = createRoute({
  method: 'delete',
  path: '/v1/webhooks/{id}',
  tags: ['webhooks'],
  summary: 'Delete a webhook endpoint',
  description: 'Needs `webhooks:manage` (owner, admin). Its delivery log goes with it, and attempts still queued are dropped.',
  security: [{ bearer: [] }],
  request: { params: webhookParamsSchema },
  responses: {
    200: { description: 'The deleted endpoint', content: { 'application/json': { schema: webhookResponseSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const deleteWebhook = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const endpoint = await db(c).transaction(async (tx) => {
    const found = await requireWebhookManagement(tx, principal, id, { lock: true });
    await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    await audit(tx, meta(c), { orgId: found.orgId, action: 'webhook.deleted', targetType: 'webhook', targetId: id, metadata: { url: found.url } });
    return found;
  });
  return c.json({ webhook: serializeWebhook(endpoint) }, 200);
});
