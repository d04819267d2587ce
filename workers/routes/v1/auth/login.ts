import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { users } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { clientIp } from '../../../context.ts';
import { setSessionCookies } from '../../../lib/cookies.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../../../../core/identity/passwords.ts';
import { LOGIN_LIMIT, enforceLimit, loginAccountKey, recordHit, resetLimit } from '../../../lib/rate-limit.ts';
import { serializeUser, tokenPair } from '../../../lib/serialize.ts';
import { defaultOrgId, issueSession } from '../../../../core/identity/sessions.ts';
import { loginSchema, sessionSchema } from '../../../schemas/auth.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/auth/login',
  tags: ['auth'],
  summary: 'Sign in with email and password',
  description: 'Five failed attempts per account, or per client address, in 15 minutes lock further attempts (429 with Retry-After).',
  request: { body: { required: true, content: { 'application/json': { schema: loginSchema } } } },
  responses: {
    200: { description: 'Signed in; tokens in the body and in HttpOnly cookies', content: { 'application/json': { schema: sessionSchema } } },
    ...errorResponses(400, 401, 429),
  },
});

export const login = defineRoute(route, async (c) => {
  const { email, password } = c.req.valid('json');
  const accountKey = loginAccountKey(email);
  const limitKeys = [accountKey, `login:ip:${clientIp(c)}`];
  await enforceLimit(c, limitKeys, LOGIN_LIMIT);

  const [user] = await db(c).select().from(users).where(eq(users.email, email)).limit(1);
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !valid) {
    await recordHit(c, limitKeys);
    await audit(db(c), meta(c), { orgId: null, actorId: user?.id ?? null, action: 'user.login_failed', targetType: 'user', targetId: user?.id });
    throw new ApiError('unauthorized', 'Email or password is incorrect');
  }
  await resetLimit(c, accountKey);
  const tokens = await db(c).transaction(async (tx) => {
    const orgId = await defaultOrgId(tx, user.id);
    const pair = tokenPair(await issueSession(tx, meta(c), { userId: user.id, orgId }));
    await audit(tx, meta(c), { orgId, actorId: user.id, action: 'user.logged_in', targetType: 'user', targetId: user.id });
    return pair;
  });
  setSessionCookies(c, tokens);
  return c.json({ ...tokens, user: serializeUser(user) }, 200);
});
