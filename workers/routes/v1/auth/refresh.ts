import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { getCookie } from 'hono/cookie';
import { db, meta, query } from '../../../context.ts';
import { users } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { REFRESH_COOKIE, setSessionCookies } from '../../../lib/cookies.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { serializeUser, tokenPair } from '../../../lib/serialize.ts';
import { consumeRefreshToken, issueSession, revokeSession, sessionOrgId } from '../../../../core/identity/sessions.ts';
import { announceRevocation } from '../../../lib/revocation.ts';
import { refreshSchema, sessionSchema } from '../../../schemas/auth.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/auth/refresh',
  tags: ['auth'],
  summary: 'Exchange a refresh token for a new token pair',
  description:
    'The refresh token comes from the body or the orochi_refresh cookie and rotates on every use. Presenting one that ' +
    'was already used revokes every token of its session (it was most likely stolen) and answers 401.',
  request: { body: { required: false, content: { 'application/json': { schema: refreshSchema } } } },
  responses: {
    200: { description: 'A new token pair, also set as HttpOnly cookies', content: { 'application/json': { schema: sessionSchema } } },
    ...errorResponses(400, 401),
  },
});

export const refresh = defineRoute(route, async (c) => {
  const token = c.req.valid('json').refresh_token ?? getCookie(c, REFRESH_COOKIE);
  if (!token) throw new ApiError('unauthorized', 'Send refresh_token in the body or the orochi_refresh cookie');

  // The reuse branch returns instead of throwing so the family's revocation commits before the 401 goes out.
  const session = await db(c).transaction(async (tx) => {
    const outcome = await consumeRefreshToken(tx, token);
    if (outcome.kind === 'reused') {
      const revocation = await revokeSession(tx, outcome.userId, outcome.familyId, 'refresh_token_reused');
      await audit(tx, meta(c), {
        orgId: null,
        actorId: null,
        action: 'session.refresh_token_reused',
        targetType: 'user',
        targetId: outcome.userId,
        metadata: { family_id: outcome.familyId },
      });
      return { kind: 'reused' as const, revocation };
    }
    const [user] = await tx.select().from(users).where(eq(users.id, outcome.userId)).limit(1);
    if (!user) throw new ApiError('unauthorized', 'The refresh token is not valid');
    const orgId = await sessionOrgId(tx, outcome.familyId, user.id);
    const tokens = tokenPair(await issueSession(tx, meta(c), { userId: user.id, orgId }, outcome.familyId));
    return { kind: 'rotated' as const, tokens, user };
  });
  if (session.kind === 'reused') {
    // The thief's access tokens and sockets end with the rest of the session.
    await announceRevocation(c, session.revocation, query(c));
    throw new ApiError('unauthorized', 'This refresh token was already used, so its session has been revoked; sign in again');
  }

  setSessionCookies(c, session.tokens);
  return c.json({ ...session.tokens, user: serializeUser(session.user) }, 200);
});
