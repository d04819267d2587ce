// Idempotency-Key on POST: the first response to a (caller, key) is kept for 24 hours (sealed, since it may
// hold tokens) and replayed for the same request; the same key with a different request is a 409.
import { and, eq, lt } from 'drizzle-orm';
import { createMiddleware } from 'hono/factory';
import { idempotencyKeys } from '../../drizzle/schema.ts';
import type { AppEnv } from '../context.ts';
import { sha256Hex } from '../../core/crypto.ts';
import { seal, unseal } from '../../protocol/sealing.ts';
import { ApiError } from '../../core/errors.ts';
import { clientIp } from '../context.ts';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const TTL_MS = 24 * 60 * 60 * 1000;

export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header('idempotency-key');
  if (c.req.method !== 'POST' || key === undefined) return next();
  if (!KEY_PATTERN.test(key)) {
    throw new ApiError('validation_failed', 'Idempotency-Key must be 1-255 visible ASCII characters', {
      details: [{ path: 'Idempotency-Key', message: 'invalid header' }],
    });
  }
  const db = c.var.database.db();
  const principal = c.var.principal;
  const scope = principal ? (principal.apiKeyId ? `key:${principal.apiKeyId}` : `user:${principal.userId}`) : `ip:${clientIp(c)}`;
  const requestHash = await sha256Hex(`${c.req.method} ${c.req.path}\n${await c.req.text()}`);
  const now = new Date();

  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), lt(idempotencyKeys.expiresAt, now)));
  const claimed = await db
    .insert(idempotencyKeys)
    .values({ scope, key, method: c.req.method, path: c.req.path, requestHash, expiresAt: new Date(now.getTime() + TTL_MS) })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });

  if (claimed.length === 0) {
    const [stored] = await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
    if (!stored) throw new ApiError('conflict', 'Idempotency-Key is being reused concurrently; retry');
    if (stored.requestHash !== requestHash) {
      throw new ApiError('conflict', 'This Idempotency-Key was already used with a different request');
    }
    if (stored.statusCode === null || stored.responseCiphertext === null) {
      throw new ApiError('conflict', 'A request with this Idempotency-Key is still in progress');
    }
    const body = await unseal(c.var.settings.ENCRYPTION_KEY, stored.responseCiphertext);
    return c.body(body, stored.statusCode as 200, { 'Content-Type': 'application/json', 'Idempotent-Replayed': 'true' });
  }

  await next();

  const forget = () => db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  // A server failure is not an answer worth replaying: release the key so the client can retry.
  if (c.res.status >= 500) {
    await forget();
    return;
  }
  const body = await c.res.clone().text();
  await db
    .update(idempotencyKeys)
    .set({ statusCode: c.res.status, responseCiphertext: await seal(c.var.settings.ENCRYPTION_KEY, body) })
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
});
