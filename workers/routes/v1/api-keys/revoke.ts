import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { apiKeys } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { CACHE_TTL_MS, forgetCachedKey } from '../../../../core/identity/api-keys.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { apiKeyParamsSchema, apiKeyResponseSchema } from '../../../schemas/api-keys.ts';
import { realtimeFor } from '../../../../durable-objects/realtime/stub.ts';
import { log } from '../../../../core/logger.ts';
import { defineRoute } from '../../define-route.ts';
import { requireKeyManagement, serializeApiKey } from './access.ts';

const route = createRoute({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  tags: ['api-keys'],
  summary: 'Revoke an API key',
  description:
    `The key and any secret of it still in a rotation's grace period stop working: at once where it was revoked, within ${CACHE_TTL_MS / 1000} s ` +
    'everywhere (each edge location checks a key again at most that often); its realtime sockets close with 4409. The key stays listed as revoked. Revoking twice is harmless.',
  security: [{ bearer: [] }],
  request: { params: apiKeyParamsSchema },
  responses: {
    200: { description: 'The revoked key', content: { 'application/json': { schema: apiKeyResponseSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const revokeApiKey = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { key, creatorEmail } = await db(c).transaction(async (tx) => {
    const found = await requireKeyManagement(tx, principal, id, { lock: true });
    if (found.key.revokedAt) return found;
    const [key] = await tx.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id)).returning();
    await audit(tx, meta(c), { orgId: key!.orgId, action: 'api_key.revoked', targetType: 'api_key', targetId: id, metadata: { name: key!.name } });
    return { key: key!, creatorEmail: found.creatorEmail };
  });
  forgetCachedKey(id);
  // Its live-update sockets close now (4409), as a revoked session's do.
  await realtimeFor(c.env, key.orgId)
    .dropSessions([id])
    .catch((error: unknown) => log('warn', "closing a revoked key's sockets failed", { key_id: id, error: String(error) }));
  return c.json({ api_key: serializeApiKey(key, creatorEmail) }, 200);
});
