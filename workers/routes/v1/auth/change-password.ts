import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta, query } from '../../../context.ts';
import { users } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { setSessionCookies } from '../../../lib/cookies.ts';
import { ApiError, errorResponses, notFound } from '../../../../core/errors.ts';
import { hashPassword, verifyPassword } from '../../../../core/identity/passwords.ts';
import { LOGIN_LIMIT, enforceLimit, loginAccountKey, recordHit } from '../../../lib/rate-limit.ts';
import { serializeUser, tokenPair } from '../../../lib/serialize.ts';
import { issueSession, revokeAllSessions } from '../../../../core/identity/sessions.ts';
import { announceRevocation } from '../../../lib/revocation.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { changePasswordSchema, sessionSchema } from '../../../schemas/auth.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/auth/password',
  tags: ['auth'],
  summary: 'Change the password',
  description:
    'Takes the current password and a new one. Every session of the account ends (access tokens and live-update ' +
    'sockets included, on every device); the caller gets a new session in the answer and in the cookies. Wrong ' +
    'current passwords count towards the sign-in limit of the account.',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: changePasswordSchema } } } },
  responses: {
    200: { description: 'Changed; a new token pair', content: { 'application/json': { schema: sessionSchema } } },
    ...errorResponses(400, 401, 403, 429),
  },
});

export const changePassword = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { current_password, new_password } = c.req.valid('json');
  const [user] = await query(c).select().from(users).where(eq(users.id, principal.userId)).limit(1);
  if (!user) throw notFound('User');
  // A stolen access token must not make guessing the password (and then owning the account) free.
  const limitKeys = [loginAccountKey(user.email)];
  await enforceLimit(c, limitKeys, LOGIN_LIMIT);
  if (!(await verifyPassword(current_password, user.passwordHash))) {
    await recordHit(c, limitKeys);
    throw new ApiError('forbidden', 'The current password is incorrect');
  }
  // Hashed before the transaction so the slow key derivation does not hold a connection in it.
  const passwordHash = await hashPassword(new_password);
  const { tokens, revocation } = await db(c).transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id));
    const revoked = await revokeAllSessions(tx, user.id, 'password_changed');
    const pair = tokenPair(await issueSession(tx, meta(c), { userId: user.id, orgId: principal.orgId }));
    await audit(tx, meta(c), { orgId: null, actorId: user.id, action: 'user.password_changed', targetType: 'user', targetId: user.id });
    return { tokens: pair, revocation: revoked };
  });
  await announceRevocation(c, revocation, query(c));
  setSessionCookies(c, tokens);
  return c.json({ ...tokens, user: serializeUser(user) }, 200);
});
