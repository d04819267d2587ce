import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { webhookEndpoints } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { newSigningSecret } from '../../../../core/webhooks/signing.ts';
import { seal } from '../../../../protocol/sealing.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { webhookParamsSchema, webhookWithSecretSchema } from '../../../schemas/webhooks.ts';
import { defineRoute } from '../../define-route.ts';
import { requireWebhookManagement, serializeWebhook } from './access.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/rotate-secret',
  tags: ['webhooks'],
  summary: "Rotate an endpoint's signing secret",
  description:
    'A new signing secret, in this response only; every attempt from now on, retries of earlier events included, is signed with it alone. ' +
    'Attempts your receiver refuses while it still checks the old secret are retried (for about 7.5 h), so they verify once it has the new one. ' +
    'Needs `webhooks:manage` (owner, admin).',
  security: [{ bearer: [] }],
  request: { params: webhookParamsSchema },
  responses: {
    200: { description: 'The endpoint and its new signing secret', content: { 'application/json': { schema: webhookWithSecretSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const rotateWebhookSecret = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const secret = newSigningSecret();
  const secretCiphertext = await seal(c.var.settings.ENCRYPTION_KEY, secret);
  const endpoint = await db(c).transaction(async (tx) => {
    const found = await requireWebhookManagement(tx, principal, id, { lock: true });
    const [endpoint] = await tx.update(webhookEndpoints).set({ secretCiphertext, updatedAt: new Date() }).where(eq(webhookEndpoints.id, id)).returning();
    await audit(tx, meta(c), { orgId: found.orgId, action: 'webhook.secret_rotated', targetType: 'webhook', targetId: id, metadata: {} });
    return endpoint!;
  });
  c.header('Cache-Control', 'no-store');
  return c.json({ webhook: serializeWebhook(endpoint), secret }, 200);
});
