import { createRoute } from '@hono/zod-openapi';
import { db, meta } from '../../../context.ts';
import { webhookEndpoints } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireOrgAccess, targetOrgId } from '../../../../core/identity/rbac.ts';
import { webhookEventTypes } from '../../../../core/webhooks/events.ts';
import { newSigningSecret } from '../../../../core/webhooks/signing.ts';
import { newId } from '../../../../protocol/ids.ts';
import { seal } from '../../../../protocol/sealing.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { createWebhookSchema, webhookWithSecretSchema } from '../../../schemas/webhooks.ts';
import { defineRoute } from '../../define-route.ts';
import { requireAllowedDestination, serializeWebhook } from './access.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/webhooks',
  tags: ['webhooks'],
  summary: 'Create a webhook endpoint',
  description:
    `Needs \`webhooks:manage\` (owner, admin). The endpoint receives the organization's events (${webhookEventTypes.join(', ')}) as POSTs signed per ` +
    'the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`). The signing secret is in this response only. ' +
    'In production the URL must be https and must not point at a loopback, private or link-local address or a localhost name.',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: createWebhookSchema } } } },
  responses: {
    201: { description: 'The new endpoint and its signing secret', content: { 'application/json': { schema: webhookWithSecretSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const createWebhook = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const body = c.req.valid('json');
  const orgId = targetOrgId(principal, body.org_id);
  requireAllowedDestination(c.var.settings, body.url);
  const secret = newSigningSecret();
  const secretCiphertext = await seal(c.var.settings.ENCRYPTION_KEY, secret);
  const endpoint = await db(c).transaction(async (tx) => {
    await requireOrgAccess(tx, principal, orgId, 'webhooks:manage');
    const [endpoint] = await tx
      .insert(webhookEndpoints)
      .values({
        id: newId('wh'),
        orgId,
        url: body.url,
        description: body.description ?? '',
        eventTypes: [...new Set(body.event_types ?? [])],
        secretCiphertext,
        createdBy: principal.userId,
      })
      .returning();
    await audit(tx, meta(c), {
      orgId,
      action: 'webhook.created',
      targetType: 'webhook',
      targetId: endpoint!.id,
      metadata: { url: body.url, event_types: endpoint!.eventTypes },
    });
    return endpoint!;
  });
  c.header('Cache-Control', 'no-store');
  return c.json({ webhook: serializeWebhook(endpoint), secret }, 201);
});
