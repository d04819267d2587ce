import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { getCookie } from 'hono/cookie';
import { db, meta, query } from '../../../context.ts';
import { refreshTokens } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { REFRESH_COOKIE, clearSessionCookies } from '../../../lib/cookies.ts';
import { sha256Hex } from '../../../../core/crypto.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { revokeSession, type Revocation } from '../../../../core/identity/sessions.ts';
import { announceRevocation } from '../../../lib/revocation.ts';
import { logoutSchema } from '../../../schemas/auth.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/auth/logout',
  tags: ['auth'],
  summary: 'End a session',
  description:
    'Revokes the session of the refresh token in the body or the orochi_refresh cookie, else the session of the ' +
    'access token, and clears the cookies. Succeeds even when there is nothing left to revoke.',
  request: { body: { required: false, content: { 'application/json': { schema: logoutSchema } } } },
  responses: {
    204: { description: 'Signed out' },
    ...errorResponses(400, 401, 403),
  },
});

export const logout = defineRoute(route, async (c) => {
  const presented = c.req.valid('json').refresh_token ?? getCookie(c, REFRESH_COOKIE);
  const principal = c.var.principal;
  const revocation = await db(c).transaction(async (tx): Promise<Revocation | null> => {
    let session: { familyId: string; userId: string } | null = null;
    if (presented) {
      const [row] = await tx
        .select({ familyId: refreshTokens.familyId, userId: refreshTokens.userId })
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, await sha256Hex(presented)))
        .limit(1);
      session = row ?? null;
    }
    // An unknown refresh token still means "sign me out": fall back to the session of the access token.
    if (!session && principal) session = { familyId: principal.sessionId, userId: principal.userId };
    if (!session) return null;
    const revoked = await revokeSession(tx, session.userId, session.familyId, 'logout');
    await audit(tx, meta(c), {
      orgId: null,
      actorId: session.userId,
      action: 'session.logged_out',
      targetType: 'user',
      targetId: session.userId,
      metadata: { family_id: session.familyId },
    });
    return revoked;
  });
  // Its access tokens stop working now, and its live-update sockets close.
  if (revocation) await announceRevocation(c, revocation, query(c));
  clearSessionCookies(c);
  return c.body(null, 204);
});
