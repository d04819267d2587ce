// A committed operation goes to its cluster's ClusterDO, which sends its command to the region.
import { buildCommand } from '../../core/clusters/commands.ts';
import type { ClusterRow, OperationRow } from '../../core/clusters/serialize.ts';
import { log } from '../../core/logger.ts';
import { clusterObject } from '../../durable-objects/cluster/stub.ts';
import type { AppContext } from '../context.ts';

/**
 * Hands the committed operation to its ClusterDO. If that fails the operation stays pending and is not lost:
 * the catalog holds the new generation, and the agent's next hello resyncs it (level-triggered).
 */
export async function dispatchOperation(c: AppContext, cluster: ClusterRow, operation: OperationRow): Promise<void> {
  try {
    const command = await buildCommand(c.var.settings.ENCRYPTION_KEY, cluster, operation.action, operation.id);
    await clusterObject(c.env, cluster.id).dispatch(command);
  } catch (error) {
    log('error', 'dispatch failed; the region will resync', { cluster_id: cluster.id, operation_id: operation.id, error: String(error) });
  }
}
