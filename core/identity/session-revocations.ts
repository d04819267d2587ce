// Access tokens are stateless JWTs, yet ending a session must end its access tokens at once. Each isolate keeps
// the ids of recently revoked sessions in memory, refreshed from the catalog: a request finding its copy older than
// REFRESH_AFTER_MS answers from it and refreshes it in the background (waitUntil), one finding it older than
// TRUST_LIMIT_MS (an isolate idle for a while) refreshes first. A revocation made anywhere is therefore refused
// everywhere within TRUST_LIMIT_MS, while an authenticated request costs a set lookup: about one small catalog read
// per isolate per REFRESH_AFTER_MS under load, none per request. Revocations made in this isolate count at once.
//
// Only revocations younger than an access token's lifetime matter: every token of an older revocation has
// expired anyway (none is issued after it), so the set stays as small as the last 15 minutes of sign-outs.
import { and, gt, isNotNull } from 'drizzle-orm';
import { sessions } from '../../drizzle/schema.ts';
import type { Queryable } from '../db.ts';
import { ACCESS_TOKEN_TTL_SECONDS } from './tokens.ts';

/** A copy older than this is refreshed in the background of the request that notices. */
export const REFRESH_AFTER_MS = 250;
/** A copy older than this is refreshed before it answers, and one that cannot be refreshed fails closed. */
export const TRUST_LIMIT_MS = 750;
/** Covers commits that land after a later refresh already ran, and clock differences between machines. */
const OVERLAP_MS = 10_000;
const RETENTION_MS = (ACCESS_TOKEN_TTL_SECONDS + 60) * 1000;

interface RevocationList {
  /** Session id -> when it was revoked (ms). */
  revoked: Map<string, number>;
  /** When the last successful refresh started (ms); 0 before the first. */
  refreshedAt: number;
  /** When the last refresh, successful or not, started: one background refresh per interval. */
  attemptedAt: number;
}

const list: RevocationList = { revoked: new Map(), refreshedAt: 0, attemptedAt: 0 };

export class RevocationsUnavailableError extends Error {}

async function refresh(db: Queryable): Promise<void> {
  const started = Date.now();
  list.attemptedAt = started;
  const since = list.refreshedAt === 0 ? started - RETENTION_MS : list.refreshedAt - OVERLAP_MS;
  const rows = await db
    .select({ id: sessions.id, revokedAt: sessions.revokedAt })
    .from(sessions)
    .where(and(isNotNull(sessions.revokedAt), gt(sessions.revokedAt, new Date(since))));
  for (const row of rows) list.revoked.set(row.id, row.revokedAt!.getTime());
  for (const [id, at] of list.revoked) if (at < started - RETENTION_MS) list.revoked.delete(id);
  list.refreshedAt = Math.max(list.refreshedAt, started);
}

/**
 * Whether the session has been revoked. `background` runs work past the current request (the Worker's
 * waitUntil); refreshes are never shared between requests, whose I/O the runtime keeps apart. Throws
 * RevocationsUnavailableError when the copy is too old to trust and the catalog cannot be read.
 */
export async function isSessionRevoked(db: Queryable, sessionId: string, background?: (work: Promise<unknown>) => void): Promise<boolean> {
  if (list.revoked.has(sessionId)) return true;
  const now = Date.now();
  const age = now - list.refreshedAt;
  if (age >= TRUST_LIMIT_MS || !background) {
    if (age >= REFRESH_AFTER_MS) {
      try {
        await refresh(db);
      } catch (error) {
        if (Date.now() - list.refreshedAt >= TRUST_LIMIT_MS) throw new RevocationsUnavailableError(String(error));
      }
    }
  } else if (age >= REFRESH_AFTER_MS && now - list.attemptedAt >= REFRESH_AFTER_MS) {
    background(refresh(db).catch(() => undefined));
  }
  return list.revoked.has(sessionId);
}

/** Sessions this isolate has just revoked: refused here at once, without waiting for the next refresh. */
export function noteRevoked(sessionIds: Iterable<string>): void {
  const now = Date.now();
  for (const id of sessionIds) list.revoked.set(id, now);
}
