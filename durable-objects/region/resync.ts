// The resync that answers an agent's hello (level-triggered): every cluster of the region whose desired generation
// is ahead of what the agent says it applied gets its newest command, unless the outbox, just replayed, already
// carries that generation or a newer one.
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { clusters } from '../../drizzle/schema.ts';
import type { Command, Hello } from '../../protocol/agent.ts';
import type { ClusterAction, DesiredState } from '../../protocol/enums.ts';
import { buildCommand } from '../../core/clusters/commands.ts';
import { type ClusterRow } from '../../core/clusters/serialize.ts';
import type { Queryable } from '../../core/db.ts';
import { log } from '../../core/logger.ts';

export function resyncAction(desiredState: DesiredState, agentHasIt: boolean): ClusterAction {
  if (desiredState === 'deleted') return 'delete';
  if (desiredState === 'sleeping') return 'sleep';
  return agentHasIt ? 'update' : 'create';
}

/** The region's clusters the agent must hold: live ones, and deleting ones until their deletion is confirmed. */
export function regionClusters(db: Queryable, regionId: string): Promise<ClusterRow[]> {
  return db
    .select()
    .from(clusters)
    .where(
      and(
        eq(clusters.regionId, regionId),
        // deleted_at is set once a deletion is confirmed; until then a deleting cluster is still owed its delete.
        or(isNull(clusters.deletedAt), and(eq(clusters.desiredState, 'deleted'), lt(clusters.observedGeneration, clusters.generation))),
      ),
    );
}

export async function resyncCommands(
  encryptionKey: string,
  rows: ClusterRow[],
  hello: Hello,
  queued: Map<string, number>,
): Promise<Command[]> {
  const applied = new Map(hello.clusters.map((c) => [c.cluster_id, c.generation]));
  const commands: Command[] = [];
  for (const row of rows) {
    if (row.generation <= (applied.get(row.id) ?? 0)) continue;
    if ((queued.get(row.id) ?? 0) >= row.generation) continue;
    try {
      commands.push(await buildCommand(encryptionKey, row, resyncAction(row.desiredState, applied.has(row.id)), null));
    } catch (error) {
      log('error', 'resync command could not be built', { region_id: row.regionId, cluster_id: row.id, error: String(error) });
    }
  }
  return commands;
}
