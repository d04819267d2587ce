// Every cluster mutation takes the same path (docs/cluster-lifecycle.md): inside the caller's transaction,
// with the cluster row locked, refuse if an operation is in flight or the state forbids the action, bump the
// generation, write the desired spec and a pending operation; after commit, hand the command to the ClusterDO.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { clusters, operations } from '../../drizzle/schema.ts';
import { desiredStateAfter, refuseAction, statusWhileRunning } from './state-machine.ts';
import type { ClusterAction } from '../../protocol/enums.ts';
import { audit } from '../audit.ts';
import type { ClusterRow, OperationRow } from './serialize.ts';
import type { Queryable } from '../db.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../../protocol/ids.ts';
import type { RequestMeta } from '../request.ts';

export type ClusterChanges = Partial<Pick<ClusterRow, 'size' | 'instances' | 'storageGb' | 'settings' | 'passwordCiphertext' | 'backupRequests' | 'restoreRequest'>>;

async function refuseIfBusy(db: Queryable, clusterId: string): Promise<void> {
  const [running] = await db
    .select({ id: operations.id, action: operations.action })
    .from(operations)
    .where(and(eq(operations.clusterId, clusterId), inArray(operations.status, ['pending', 'running'])))
    .limit(1);
  if (running) {
    throw new ApiError('operation_in_progress', `Operation ${running.id} (${running.action}) is still running on this cluster`, {
      details: { operation_id: running.id },
    });
  }
}

/** Call inside a transaction that holds the cluster row locked (requireClusterAccess with lock: true). */
export async function beginOperation(
  tx: Queryable,
  meta: RequestMeta,
  cluster: ClusterRow,
  action: ClusterAction,
  changes: ClusterChanges = {},
  auditMetadata: Record<string, unknown> = {},
): Promise<{ cluster: ClusterRow; operation: OperationRow }> {
  if (action === 'delete') {
    // Deleting must work even when an earlier operation is stuck (a create whose region never answers, say).
    // The delete command supersedes it: the agent converges to the newest generation whatever came before.
    const now = new Date();
    await tx
      .update(operations)
      .set({ status: 'cancelled', error: 'Superseded by a delete', updatedAt: now, finishedAt: now })
      .where(and(eq(operations.clusterId, cluster.id), inArray(operations.status, ['pending', 'running'])));
  } else {
    await refuseIfBusy(tx, cluster.id);
  }
  const refusal = refuseAction(action, cluster.status, cluster.desiredState);
  if (refusal) throw new ApiError('conflict', refusal);
  const [updated] = await tx
    .update(clusters)
    .set({
      ...changes,
      generation: sql`${clusters.generation} + 1`,
      desiredState: desiredStateAfter(action, cluster.desiredState),
      status: statusWhileRunning(action, cluster.status),
      updatedAt: new Date(),
    })
    .where(eq(clusters.id, cluster.id))
    .returning();
  const operation = await insertOperation(tx, updated!, action);
  await audit(tx, meta, { orgId: cluster.orgId, action: `cluster.${action}`, targetType: 'cluster', targetId: cluster.id, metadata: auditMetadata });
  return { cluster: updated!, operation };
}

export async function insertOperation(tx: Queryable, cluster: ClusterRow, action: ClusterAction): Promise<OperationRow> {
  try {
    const [operation] = await tx
      .insert(operations)
      .values({ id: newId('op'), orgId: cluster.orgId, clusterId: cluster.id, action, status: 'pending', generation: cluster.generation })
      .returning();
    return operation!;
  } catch (error) {
    // A concurrent mutation won the race for the in-flight slot (operations_in_flight_key).
    const e = error as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
    const pgError = e.code ? e : e.cause;
    if (pgError?.code === '23505' && pgError.constraint === 'operations_in_flight_key') {
      throw new ApiError('operation_in_progress', 'Another operation is already running on this cluster');
    }
    throw error;
  }
}
