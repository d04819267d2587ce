import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { apiKeys } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { CACHE_TTL_MS, DEFAULT_GRACE_SECONDS, forgetCachedKey, keyStatus, newSecret } from '../../../../core/identity/api-keys.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { apiKeyParamsSchema, apiKeyWithSecretSchema, rotateApiKeySchema } from '../../../schemas/api-keys.ts';
import { defineRoute } from '../../define-route.ts';
import { requireKeyManagement, serializeApiKey } from './access.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/api-keys/{id}/rotate',
  tags: ['api-keys'],
  summary: "Rotate an API key's secret",
  description:
    'Issues a new secret (in this response only) for the same key: its id, name, grants and expiry stay. The old secret keeps working for ' +
    '`grace_seconds` (default 86400 = 24 h, at most 604800 = 7 days; 0 ends it at once, within ' +
    `${CACHE_TTL_MS / 1000} s everywhere), time to roll the new one out. A secret from an earlier rotation stops at once. Revoked or expired keys cannot be rotated.`,
  security: [{ bearer: [] }],
  request: { params: apiKeyParamsSchema, body: { required: false, content: { 'application/json': { schema: rotateApiKeySchema } } } },
  responses: {
    200: { description: 'The key and its new secret', content: { 'application/json': { schema: apiKeyWithSecretSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const rotateApiKey = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const graceSeconds = c.req.valid('json')?.grace_seconds ?? DEFAULT_GRACE_SECONDS;
  const { key, creatorEmail, secret } = await db(c).transaction(async (tx) => {
    const found = await requireKeyManagement(tx, principal, id, { lock: true });
    const status = keyStatus(found.key);
    if (status !== 'active') throw new ApiError('conflict', `The API key is ${status} and cannot be rotated`);
    const { secret, hash } = await newSecret(found.key.lookupId);
    const [key] = await tx
      .update(apiKeys)
      .set({
        secretHash: hash,
        previousSecretHash: graceSeconds > 0 ? found.key.secretHash : null,
        previousExpiresAt: graceSeconds > 0 ? new Date(Date.now() + graceSeconds * 1000) : null,
      })
      .where(eq(apiKeys.id, id))
      .returning();
    await audit(tx, meta(c), { orgId: key!.orgId, action: 'api_key.rotated', targetType: 'api_key', targetId: id, metadata: { grace_seconds: graceSeconds } });
    return { key: key!, creatorEmail: found.creatorEmail, secret };
  });
  forgetCachedKey(id);
  c.header('Cache-Control', 'no-store');
  return c.json({ api_key: serializeApiKey(key, creatorEmail), secret }, 200);
});
