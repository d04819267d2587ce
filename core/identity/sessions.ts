// Sessions: one `sessions` row per sign-in, an access JWT carrying its id (`sid`), and opaque refresh tokens.
// Refresh tokens rotate on every use; the tokens of one session form a family, and a token presented after it
// was rotated means it was stolen, so the whole session is revoked. Revoking a session ends its access tokens
// too: the Worker refuses a revoked `sid` on every request (session-revocations.ts) and closes its live-update
// sockets right after the revocation commits (workers/lib/revocation.ts).
import { and, eq, inArray, isNull, type SQL } from 'drizzle-orm';
import { memberships, refreshTokens, sessions } from '../../drizzle/schema.ts';
import { randomToken, sha256Hex } from '../crypto.ts';
import type { Queryable } from '../db.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../../protocol/ids.ts';
import type { RequestMeta } from '../request.ts';
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS, signAccessToken } from './tokens.ts';

export const REVOCATION_REASONS = [
  'logout',
  'refresh_token_reused',
  'password_changed',
  'password_reset',
  'membership_ended',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
}

/**
 * A token pair for a session: a new session (sign-in) when `sessionId` is absent, else the next refresh token
 * of that session.
 */
export async function issueSession(
  db: Queryable,
  meta: RequestMeta,
  user: { userId: string; orgId: string | null },
  sessionId?: string,
): Promise<SessionTokens> {
  const userAgent = meta.userAgent?.slice(0, 256) ?? null;
  const ip = meta.ip;
  const id = sessionId ?? newId('fam');
  if (!sessionId) await db.insert(sessions).values({ id, userId: user.userId, orgId: user.orgId, userAgent, ip });
  const refreshToken = randomToken('rt_');
  await db.insert(refreshTokens).values({
    id: newId('rt'),
    userId: user.userId,
    familyId: id,
    tokenHash: await sha256Hex(refreshToken),
    expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000),
    userAgent,
    ip,
  });
  const accessToken = await signAccessToken(meta.settings.JWT_PRIVATE_KEY, { ...user, sessionId: id });
  return { accessToken, refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
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

/**
 * The org a refreshed session keeps: its own while the user is still a member there, else their default, which
 * then becomes the session's.
 */
export async function sessionOrgId(db: Queryable, sessionId: string, userId: string): Promise<string | null> {
  const [row] = await db
    .select({ orgId: memberships.orgId })
    .from(sessions)
    .innerJoin(memberships, and(eq(memberships.orgId, sessions.orgId), eq(memberships.userId, userId)))
    .where(eq(sessions.id, sessionId))
    .limit(1);
  if (row) return row.orgId;
  const orgId = await defaultOrgId(db, userId);
  await db.update(sessions).set({ orgId }).where(eq(sessions.id, sessionId));
  return orgId;
}

/** What a revocation ended, to announce once the transaction has committed (workers/lib/revocation.ts). */
export interface Revocation {
  userId: string;
  sessionIds: string[];
  /** Organizations whose live-update sockets of the user must close even if they are no longer a member there. */
  orgIds: string[];
}

/** Revokes the user's live sessions that match `where`, with every refresh token of theirs. */
async function revokeWhere(db: Queryable, userId: string, where: SQL | undefined, reason: RevocationReason): Promise<Revocation> {
  const now = new Date();
  const revoked = await db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), where))
    .returning({ id: sessions.id });
  const sessionIds = revoked.map((r) => r.id);
  if (sessionIds.length > 0) {
    await db
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(and(inArray(refreshTokens.familyId, sessionIds), isNull(refreshTokens.revokedAt)));
  }
  return { userId, sessionIds, orgIds: [] };
}

export function revokeSession(db: Queryable, userId: string, sessionId: string, reason: RevocationReason): Promise<Revocation> {
  return revokeWhere(db, userId, eq(sessions.id, sessionId), reason);
}

export function revokeAllSessions(db: Queryable, userId: string, reason: RevocationReason): Promise<Revocation> {
  return revokeWhere(db, userId, undefined, reason);
}

/** Someone left or was removed from an organization: the sessions opened in it end, and its sockets close. */
export async function revokeOrgSessions(db: Queryable, userId: string, orgId: string): Promise<Revocation> {
  const revocation = await revokeWhere(db, userId, eq(sessions.orgId, orgId), 'membership_ended');
  return { ...revocation, orgIds: [orgId] };
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
