// Ending sessions takes effect beyond the catalog: once the revocation has committed, this isolate refuses the
// sessions at once (others within a refresh interval, core/identity/session-revocations.ts), and the user's
// live-update sockets of those sessions close, in every organization they belong to.
import { eq } from 'drizzle-orm';
import { memberships } from '../../drizzle/schema.ts';
import type { Queryable } from '../../core/db.ts';
import { noteRevoked } from '../../core/identity/session-revocations.ts';
import type { Revocation } from '../../core/identity/sessions.ts';
import { log } from '../../core/logger.ts';
import { realtimeFor } from '../../durable-objects/realtime/stub.ts';
import type { AppContext } from '../context.ts';

export async function announceRevocation(c: AppContext, revocation: Revocation, db: Queryable): Promise<void> {
  noteRevoked(revocation.sessionIds);
  const member = await db.select({ orgId: memberships.orgId }).from(memberships).where(eq(memberships.userId, revocation.userId));
  const orgIds = new Set([...member.map((m) => m.orgId), ...revocation.orgIds]);
  const closing = [...orgIds].map(async (orgId) => {
    const hub = realtimeFor(c.env, orgId);
    if (revocation.orgIds.includes(orgId)) await hub.dropUser(revocation.userId);
    else if (revocation.sessionIds.length > 0) await hub.dropSessions(revocation.sessionIds);
  });
  for (const outcome of await Promise.allSettled(closing)) {
    if (outcome.status === 'rejected') log('warn', 'closing sockets of a revoked session failed', { error: String(outcome.reason) });
  }
}
