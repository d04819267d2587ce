// The realtime messages about a cluster (its status, its operations, its events) and their delivery to the
// org's RealtimeDO, on the cluster's channel and the org's. Shared by the ClusterDO, which publishes every change
// it decides, and the RegionDO, which publishes what an agent going offline or coming back does to its clusters.
import type { clusterEvents } from '../../drizzle/schema.ts';
import type { ObjectBindings } from '../bindings.ts';
import { serializeCluster, serializeEvent, serializeOperation, type ClusterRow, type OperationRow } from '../../core/clusters/serialize.ts';
import { log } from '../../core/logger.ts';
import { realtimeFor } from '../realtime/stub.ts';

export type EventRow = typeof clusterEvents.$inferSelect;

export interface Published {
  clusterId: string;
  orgId: string;
  message: Record<string, unknown>;
}

export function statusMessage(cluster: ClusterRow): Published {
  return { clusterId: cluster.id, orgId: cluster.orgId, message: { type: 'cluster.status', cluster: serializeCluster(cluster) } };
}

export function operationMessage(op: OperationRow): Published {
  return { clusterId: op.clusterId, orgId: op.orgId, message: { type: 'operation.updated', operation: serializeOperation(op) } };
}

export function eventMessage(event: EventRow): Published {
  return { clusterId: event.clusterId, orgId: event.orgId, message: { type: 'cluster.event', event: serializeEvent(event) } };
}

/** Live updates are best effort: the catalog holds the truth, and clients can re-read it. In order, per org. */
export async function publish(env: Pick<ObjectBindings, 'REALTIME'>, items: Published[]): Promise<void> {
  const byOrg = new Map<string, Published[]>();
  for (const item of items) byOrg.set(item.orgId, [...(byOrg.get(item.orgId) ?? []), item]);
  await Promise.all(
    [...byOrg].map(async ([orgId, orgItems]) => {
      const hub = realtimeFor(env, orgId);
      for (const item of orgItems) {
        for (const channel of [`cluster:${item.clusterId}`, `org:${item.orgId}`]) {
          try {
            await hub.publish(channel, item.message);
          } catch (error) {
            log('warn', 'realtime publish failed', { channel, error: String(error) });
          }
        }
      }
    }),
  );
}
