// Reads the caller's credentials when there are any. `requireAuth` is the gate: a route that needs a caller
// refuses a bad Bearer token with its reason, while public routes (login, refresh) still work for a client
// that sends its expired access token along. A bad cookie is ignored, and so is the cookie when a Bearer
// header is present: the header is what the client chose. A token of a revoked session (signed out, password
// changed, refresh token reused, membership ended) is refused like an expired one.
//
// A Bearer token starting `oro_` is an API key (core/identity/api-keys.ts). The request then runs inside the key's
// grant (key-grant.ts), which the permission and scope checks read. Keys act on an organization's resources, not
// on a person's account: the account routes, invitations, API key management and the list and creation of
// organizations refuse them with 403 and say so. The realtime socket takes them, within their grant (RealtimeDO).
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { clientIp, type AppContext, type AppEnv } from '../context.ts';
import type { Principal } from '../../core/request.ts';
import { ACCESS_COOKIE } from '../lib/cookies.ts';
import { ApiError } from '../../core/errors.ts';
import { RevocationsUnavailableError, isSessionRevoked } from '../../core/identity/session-revocations.ts';
import { verifyAccessToken, type AccessClaims } from '../../core/identity/tokens.ts';
import { checkApiKey, keyGrant, looksLikeApiKey, noteKeyUse } from '../../core/identity/api-keys.ts';
import { runWithKeyGrant } from '../../core/identity/key-grant.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type Verdict = { claims: AccessClaims } | { refused: string };

async function verify(c: AppContext, token: string): Promise<Verdict> {
  const claims = await verifyAccessToken(c.var.settings.JWT_PRIVATE_KEY, token);
  if (!claims) return { refused: 'The access token is invalid or expired' };
  try {
    const revoked = await isSessionRevoked(c.var.database.query(), claims.sessionId, (work) => c.executionCtx.waitUntil(work));
    if (revoked) return { refused: 'The session has ended; sign in again' };
  } catch (error) {
    if (error instanceof RevocationsUnavailableError) {
      throw new ApiError('service_unavailable', 'Sessions cannot be checked right now; try again shortly', { headers: { 'Retry-After': '1' } });
    }
    throw error;
  }
  return { claims };
}

/** What a key may not be used for, by path: an account's own routes, and what would let a key outlive its grant. */
function keyRefusal(method: string, path: string): string | null {
  if (path.startsWith('/v1/auth/') || path.startsWith('/v1/invitations')) return 'API keys cannot act on a user account; sign in instead';
  if (path === '/v1/api-keys' || path.startsWith('/v1/api-keys/')) return 'API keys cannot manage API keys; sign in instead';
  if (path === '/v1/organizations') return `API keys belong to one organization and cannot ${method === 'GET' ? 'list' : 'create'} organizations`;
  return null;
}

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      c.set('authFailure', 'Authorization header must be "Bearer <token>"');
      return next();
    }
    if (looksLikeApiKey(match[1]!)) {
      const check = await checkApiKey(c.var.database.query(), match[1]!);
      if ('refused' in check) {
        c.set('authFailure', check.refused);
        return next();
      }
      const refusal = keyRefusal(c.req.method, c.req.path);
      if (refusal) throw new ApiError('forbidden', refusal);
      const key = check.key;
      c.set('principal', { userId: key.createdBy, orgId: key.orgId, sessionId: key.id, via: 'api_key', apiKeyId: key.id });
      noteKeyUse(c.var.database.query(), key, clientIp(c), (work) => c.executionCtx.waitUntil(work));
      return runWithKeyGrant(keyGrant(key), next);
    }
    const verdict = await verify(c, match[1]!);
    if ('claims' in verdict) c.set('principal', { ...verdict.claims, via: 'bearer' });
    else c.set('authFailure', verdict.refused);
    return next();
  }
  const cookie = getCookie(c, ACCESS_COOKIE);
  if (cookie) {
    const verdict = await verify(c, cookie);
    if ('claims' in verdict) {
      // Cookies ride along on cross-site requests: a state-changing call must come from our own origin.
      if (!SAFE_METHODS.has(c.req.method)) {
        const origin = c.req.header('origin');
        if (origin && origin !== new URL(c.req.url).origin && origin !== new URL(c.var.settings.APP_URL).origin) {
          throw new ApiError('forbidden', 'Cross-origin request refused');
        }
      }
      c.set('principal', { ...verdict.claims, via: 'cookie' });
    }
  }
  return next();
});

export function requireAuth(c: AppContext): Principal {
  const principal = c.var.principal;
  if (!principal) throw new ApiError('unauthorized', c.var.authFailure ?? 'Sign in or send an Authorization: Bearer token');
  return principal;
}
