// The realtime messages about a cluster (its status, its operations, its events) and their delivery to the
// org's RealtimeDO, on the cluster's channel and the org's. Shared by the ClusterDO, which publishes every change
// it decides, and the RegionDO, which publishes what an agent going offline or coming back does to its clusters.
import type { clusterEvents } from '../../drizzle/schema.ts';
import type { ObjectBindings } from '../bindings.ts';
import { serializeBackup, serializeCluster, serializeEvent, serializeOperation, serializeRestoreWindow, type BackupRow, type ClusterRow, type OperationRow } from '../../core/clusters/serialize.ts';
import { log } from '../../core/logger.ts';
import type { RealtimeEvent, RealtimeEventOf } from '../../protocol/realtime.ts';
import { realtimeFor } from '../realtime/stub.ts';
import { enqueueWebhookEvents } from '../../core/webhooks/messages.ts';

export type EventRow = typeof clusterEvents.$inferSelect;

/** One event about one cluster, published on that cluster's channel and its org's. */
export interface Published<E extends RealtimeEvent = RealtimeEvent> {
  clusterId: string;
  orgId: string;
  event: E;
}

export function statusMessage(cluster: ClusterRow): Published<RealtimeEventOf<'cluster.status'>> {
  return { clusterId: cluster.id, orgId: cluster.orgId, event: { type: 'cluster.status', cluster: serializeCluster(cluster) } };
}

export function operationMessage(op: OperationRow): Published<RealtimeEventOf<'operation.updated'>> {
  return { clusterId: op.clusterId, orgId: op.orgId, event: { type: 'operation.updated', operation: serializeOperation(op) } };
}

export function eventMessage(event: EventRow): Published<RealtimeEventOf<'cluster.event'>> {
  return { clusterId: event.clusterId, orgId: event.orgId, event: { type: 'cluster.event', event: serializeEvent(event) } };
}

export function restoreWindowMessage(cluster: ClusterRow): Published<RealtimeEventOf<'restore_window.updated'>> {
  return { clusterId: cluster.id, orgId: cluster.orgId, event: { type: 'restore_window.updated', restore_window: serializeRestoreWindow(cluster) } };
}

export function backupMessage(backup: BackupRow): Published<RealtimeEventOf<'backup.updated'>> {
  return { clusterId: backup.clusterId, orgId: backup.orgId, event: { type: 'backup.updated', backup: serializeBackup(backup) } };
}

/**
 * One call to the org's RealtimeDO per message, carrying both its channels. Live updates are best effort: the
 * catalog holds the truth, and clients can re-read it. In order, per org. The same updates go to the org's webhook
 * endpoints as one queue message each (fanned out per endpoint by queues/webhooks.ts).
 */
export async function publish(env: Pick<ObjectBindings, 'REALTIME' | 'WEBHOOK_QUEUE'>, items: Published[]): Promise<void> {
  const webhooks = enqueueWebhookEvents(env.WEBHOOK_QUEUE, items);
  const byOrg = new Map<string, Published[]>();
  for (const item of items) byOrg.set(item.orgId, [...(byOrg.get(item.orgId) ?? []), item]);
  await Promise.all(
    [...byOrg].map(async ([orgId, orgItems]) => {
      const hub = realtimeFor(env, orgId);
      for (const item of orgItems) {
        try {
          await hub.publish([`cluster:${item.clusterId}`, `org:${item.orgId}`], item.event);
        } catch (error) {
          log('warn', 'realtime publish failed', { cluster_id: item.clusterId, type: item.event.type, error: String(error) });
        }
      }
    }),
  );
  await webhooks;
}
