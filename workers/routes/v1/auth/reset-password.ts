import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta, query } from '../../../context.ts';
import { users } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { consumeAuthToken, spendOutstandingTokens } from '../../../../core/identity/auth-tokens.ts';
import { clearSessionCookies } from '../../../lib/cookies.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { hashPassword } from '../../../../core/identity/passwords.ts';
import { loginAccountKey, resetLimit } from '../../../lib/rate-limit.ts';
import { revokeAllSessions } from '../../../../core/identity/sessions.ts';
import { announceRevocation } from '../../../lib/revocation.ts';
import { okSchema, resetPasswordSchema } from '../../../schemas/auth.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/auth/reset-password',
  tags: ['auth'],
  summary: 'Set a new password with the token from a reset mail',
  description: 'Signs the account out everywhere: every session of the user ends, its access tokens and live-update sockets included.',
  request: { body: { required: true, content: { 'application/json': { schema: resetPasswordSchema } } } },
  responses: {
    200: { description: 'The password is changed; sign in with it', content: { 'application/json': { schema: okSchema } } },
    ...errorResponses(400),
  },
});

export const resetPassword = defineRoute(route, async (c) => {
  const { token, password } = c.req.valid('json');
  // Hashed before the transaction so the slow key derivation does not hold a connection in it.
  const passwordHash = await hashPassword(password);
  const { email, revocation } = await db(c).transaction(async (tx) => {
    const userId = await consumeAuthToken(tx, token, 'reset_password');
    if (!userId) throw new ApiError('bad_request', 'This password reset link is invalid, expired or already used; ask for a new one');
    const [user] = await tx
      .update(users)
      .set({ passwordHash, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning({ email: users.email });
    await spendOutstandingTokens(tx, userId, 'reset_password');
    const revoked = await revokeAllSessions(tx, userId, 'password_reset');
    await audit(tx, meta(c), { orgId: null, actorId: userId, action: 'user.password_reset', targetType: 'user', targetId: userId });
    return { email: user!.email, revocation: revoked };
  });
  await announceRevocation(c, revocation, query(c));
  await resetLimit(c, loginAccountKey(email));
  clearSessionCookies(c);
  return c.json({ ok: true as const }, 200);
});
