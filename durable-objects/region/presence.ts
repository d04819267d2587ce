// What the agent coming and going does to the catalog and to subscribers: the region's status and last_seen_at;
// while it is away, health `unknown` for its clusters (until the agent reports again) and a status_message on the
// operations in flight saying what they wait for; when it says hello, those messages cleared.
import { and, eq, inArray, isNotNull, isNull, lt, ne, or } from 'drizzle-orm';
import { clusters, operations, regions } from '../../drizzle/schema.ts';
import { inFlightOperationStatuses } from '../../protocol/enums.ts';
import type { HttpDatabase, Queryable } from '../../core/db.ts';
import type { ObjectBindings } from '../bindings.ts';
import { operationMessage, publish, statusMessage } from '../cluster/messages.ts';

/** What enqueue tells the dispatcher: whether an agent is there to take the command now. */
export interface DispatchReceipt {
  /** Why the command waits (no agent connected), for the operation's status_message; null when it went out. */
  waiting: string | null;
}

export function waitingForAgent(offlineSince: string | null): string {
  return offlineSince
    ? `Waiting for the region's agent, offline since ${offlineSince}`
    : "Waiting for the region's agent, which has not connected yet";
}

export function writeRegion(db: Queryable, regionId: string, values: Partial<typeof regions.$inferInsert>) {
  return db
    .update(regions)
    .set(values)
    .where(and(eq(regions.id, regionId), isNull(regions.revokedAt)));
}

/**
 * Nobody now watches the region's clusters: their health is unknown until the agent reports again, and the
 * operations in flight say what they wait for. Reports newer than this moment (an agent already back) are left alone.
 */
export async function agentGone(env: ObjectBindings, db: HttpDatabase, regionId: string, lastSeenAt: string | null): Promise<void> {
  const goneAt = new Date();
  const inRegion = db.select({ id: clusters.id }).from(clusters).where(eq(clusters.regionId, regionId));
  const [unknown, waiting] = await db.batch([
    db
      .update(clusters)
      .set({ health: 'unknown', updatedAt: goneAt })
      .where(
        and(
          eq(clusters.regionId, regionId),
          isNull(clusters.deletedAt),
          ne(clusters.health, 'unknown'),
          or(isNull(clusters.lastReportAt), lt(clusters.lastReportAt, goneAt)),
        ),
      )
      .returning(),
    db
      .update(operations)
      .set({ statusMessage: waitingForAgent(lastSeenAt), updatedAt: goneAt })
      .where(and(inArray(operations.status, inFlightOperationStatuses), inArray(operations.clusterId, inRegion)))
      .returning(),
  ] as const);
  await publish(env, [...unknown.map(statusMessage), ...waiting.map(operationMessage)]);
}

/** The agent said hello: operations waiting for it are on their way again. */
export async function agentBack(env: ObjectBindings, db: Queryable, regionId: string, at: number): Promise<void> {
  const inRegion = db.select({ id: clusters.id }).from(clusters).where(eq(clusters.regionId, regionId));
  const resumed = await db
    .update(operations)
    .set({ statusMessage: null, updatedAt: new Date(at) })
    .where(and(inArray(operations.status, inFlightOperationStatuses), isNotNull(operations.statusMessage), inArray(operations.clusterId, inRegion)))
    .returning();
  await publish(env, resumed.map(operationMessage));
}
