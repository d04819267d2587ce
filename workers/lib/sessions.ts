// Sessions: an access JWT plus an opaque refresh token. Refresh tokens rotate on every use; each login starts
// a family, and a token presented after it was rotated means it was stolen, so the whole family is revoked.
import { and, eq, isNull } from 'drizzle-orm';
import { memberships, refreshTokens } from '../../drizzle/schema.ts';
import type { AppContext } from '../context.ts';
import type { TokenPair } from '../schemas/auth.ts';
import { clientIp } from './audit.ts';
import { randomToken, sha256Hex } from './crypto.ts';
import type { Queryable } from './db.ts';
import { ApiError } from './errors.ts';
import { newId } from './ids.ts';
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS, signAccessToken } from './tokens.ts';

export async function issueSession(
  db: Queryable,
  c: AppContext,
  user: { userId: string; orgId: string | null },
  familyId: string = newId('fam'),
): Promise<TokenPair> {
  const refreshToken = randomToken('rt_');
  await db.insert(refreshTokens).values({
    id: newId('rt'),
    userId: user.userId,
    familyId,
    tokenHash: await sha256Hex(refreshToken),
    expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000),
    userAgent: c.req.header('user-agent')?.slice(0, 256) ?? null,
    ip: clientIp(c),
  });
  const accessToken = await signAccessToken(c.var.settings.JWT_PRIVATE_KEY, { ...user, sessionId: familyId });
  return { access_token: accessToken, refresh_token: refreshToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS };
}

/** The org a new session opens in: the oldest membership. */
export async function defaultOrgId(db: Queryable, userId: string): Promise<string | null> {
  const [row] = await db
    .select({ orgId: memberships.orgId })
    .from(memberships)
    .where(eq(memberships.userId, userId))
    .orderBy(memberships.joinedAt, memberships.orgId)
    .limit(1);
  return row?.orgId ?? null;
}

export async function revokeFamily(db: Queryable, familyId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function revokeAllSessions(db: Queryable, userId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

export type RefreshOutcome =
  | { kind: 'rotated'; userId: string; familyId: string }
  | { kind: 'reused'; userId: string; familyId: string };

/**
 * Consumes a refresh token. Marking it used is one conditional UPDATE, so two concurrent refreshes with the
 * same token cannot both win: the loser sees a used token and the family is revoked.
 */
export async function consumeRefreshToken(db: Queryable, token: string): Promise<RefreshOutcome> {
  const tokenHash = await sha256Hex(token);
  const now = new Date();
  const [claimed] = await db
    .update(refreshTokens)
    .set({ usedAt: now })
    .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning();
  if (claimed) {
    if (claimed.expiresAt <= now) throw new ApiError('unauthorized', 'The refresh token has expired; sign in again');
    return { kind: 'rotated', userId: claimed.userId, familyId: claimed.familyId };
  }
  const [known] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1);
  if (!known) throw new ApiError('unauthorized', 'The refresh token is not valid');
  if (known.usedAt) return { kind: 'reused', userId: known.userId, familyId: known.familyId };
  throw new ApiError('unauthorized', 'The session has been revoked; sign in again');
}
