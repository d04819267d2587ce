// Access tokens are stateless JWTs, yet ending a session must end its access tokens at once. Each isolate keeps
// the ids of recently revoked sessions in memory and refreshes them from the catalog when its copy is older than
// REFRESH_AFTER_MS, so a revocation made anywhere is refused everywhere within about half a second, while an
// authenticated request costs a set lookup (one small catalog read per isolate per refresh interval, not one
// per request). Revocations made in this isolate count at once.
//
// Only revocations younger than an access token's lifetime matter: every token of an older revocation has
// expired anyway (none is issued after it), so the set stays as small as the last 15 minutes of sign-outs.
import { and, gt, isNotNull } from 'drizzle-orm';
import { sessions } from '../../drizzle/schema.ts';
import type { Queryable } from './db.ts';
import { ACCESS_TOKEN_TTL_SECONDS } from './tokens.ts';

/** A copy older than this is refreshed before it answers. */
export const REFRESH_AFTER_MS = 500;
/** Past this age a copy that cannot be refreshed is not trusted: the caller fails closed. */
const STALE_LIMIT_MS = 1000;
/** Covers commits that land after a later refresh already ran, and clock differences between machines. */
const OVERLAP_MS = 10_000;
const RETENTION_MS = (ACCESS_TOKEN_TTL_SECONDS + 60) * 1000;

interface RevocationList {
  /** Session id -> when it was revoked (ms). */
  revoked: Map<string, number>;
  /** When the last successful refresh started (ms); 0 before the first. */
  refreshedAt: number;
  refreshing: Promise<void> | null;
}

const list: RevocationList = { revoked: new Map(), refreshedAt: 0, refreshing: null };

export class RevocationsUnavailableError extends Error {}

async function refresh(db: Queryable): Promise<void> {
  const started = Date.now();
  const since = list.refreshedAt === 0 ? started - RETENTION_MS : list.refreshedAt - OVERLAP_MS;
  const rows = await db
    .select({ id: sessions.id, revokedAt: sessions.revokedAt })
    .from(sessions)
    .where(and(isNotNull(sessions.revokedAt), gt(sessions.revokedAt, new Date(since))));
  for (const row of rows) list.revoked.set(row.id, row.revokedAt!.getTime());
  for (const [id, at] of list.revoked) if (at < started - RETENTION_MS) list.revoked.delete(id);
  list.refreshedAt = started;
}

/**
 * Whether the session has been revoked. Refreshes the list first when it is older than REFRESH_AFTER_MS
 * (concurrent callers share one refresh); throws RevocationsUnavailableError when the catalog cannot be read and
 * the copy is too old to trust.
 */
export async function isSessionRevoked(db: Queryable, sessionId: string): Promise<boolean> {
  if (list.revoked.has(sessionId)) return true;
  if (Date.now() - list.refreshedAt >= REFRESH_AFTER_MS) {
    list.refreshing ??= refresh(db).finally(() => {
      list.refreshing = null;
    });
    try {
      await list.refreshing;
    } catch (error) {
      if (Date.now() - list.refreshedAt >= STALE_LIMIT_MS) throw new RevocationsUnavailableError(String(error));
    }
  }
  return list.revoked.has(sessionId);
}

/** Sessions this isolate has just revoked: refused here at once, without waiting for the next refresh. */
export function noteRevoked(sessionIds: Iterable<string>): void {
  const now = Date.now();
  for (const id of sessionIds) list.revoked.set(id, now);
}
