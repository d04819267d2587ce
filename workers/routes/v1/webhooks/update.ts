import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { webhookEndpoints } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { updateWebhookSchema, webhookParamsSchema, webhookResponseSchema } from '../../../schemas/webhooks.ts';
import { defineRoute } from '../../define-route.ts';
import { requireAllowedDestination, requireWebhookManagement, serializeWebhook } from './access.ts';

const route = createRoute({
  method: 'patch',
  path: '/v1/webhooks/{id}',
  tags: ['webhooks'],
  summary: 'Change a webhook endpoint',
  description:
    'Needs `webhooks:manage` (owner, admin). Change its URL, description or event filter, or disable it (`enabled: false`) and enable it again; ' +
    'enabling clears the failure streak that disabled it.',
  security: [{ bearer: [] }],
  request: { params: webhookParamsSchema, body: { required: true, content: { 'application/json': { schema: updateWebhookSchema } } } },
  responses: {
    200: { description: 'The changed endpoint', content: { 'application/json': { schema: webhookResponseSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const updateWebhook = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  if (body.url !== undefined) requireAllowedDestination(c.var.settings, body.url);
  const endpoint = await db(c).transaction(async (tx) => {
    const found = await requireWebhookManagement(tx, principal, id, { lock: true });
    const enabling = body.enabled === true && !found.enabled;
    const [endpoint] = await tx
      .update(webhookEndpoints)
      .set({
        url: body.url,
        description: body.description,
        eventTypes: body.event_types ? [...new Set(body.event_types)] : undefined,
        enabled: body.enabled,
        ...(body.enabled === undefined ? {} : { disabledReason: null }),
        ...(enabling ? { failureStreak: 0, failingSince: null } : {}),
        updatedAt: new Date(),
      })
      .where(eq(webhookEndpoints.id, id))
      .returning();
    await audit(tx, meta(c), { orgId: found.orgId, action: 'webhook.updated', targetType: 'webhook', targetId: id, metadata: { ...body } });
    return endpoint!;
  });
  return c.json({ webhook: serializeWebhook(endpoint) }, 200);
});
