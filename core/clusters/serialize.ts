// Catalog rows of clusters, operations and events, and their API shapes (protocol/resources.ts).
import type { backups, clusterEvents, clusters, operations } from '../../drizzle/schema.ts';
import type { Backup, Cluster, ClusterEvent, Operation, RestoreWindow } from '../../protocol/resources.ts';

export type ClusterRow = typeof clusters.$inferSelect;
export type OperationRow = typeof operations.$inferSelect;
export type BackupRow = typeof backups.$inferSelect;

export function serializeCluster(c: ClusterRow): Cluster {
  return {
    id: c.id,
    org_id: c.orgId,
    project_id: c.projectId,
    name: c.name,
    engine: c.engine,
    version: c.version,
    region_id: c.regionId,
    tier: c.tier,
    size: c.size,
    instances: c.instances,
    ready_instances: c.readyInstances,
    storage_gb: c.storageGb,
    status: c.status,
    health: c.health,
    status_message: c.statusMessage,
    endpoint: c.endpointHost && c.endpointPort ? { host: c.endpointHost, port: c.endpointPort } : null,
    database: c.databaseName,
    username: c.username,
    generation: c.generation,
    observed_generation: c.observedGeneration,
    settings: c.settings as Record<string, unknown>,
    parent_id: c.parentId,
    source: c.source ?? null,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

export function serializeOperation(o: OperationRow): Operation {
  return {
    id: o.id,
    cluster_id: o.clusterId,
    action: o.action,
    status: o.status,
    generation: o.generation,
    error: o.error,
    status_message: o.statusMessage,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
    duration_ms: o.finishedAt ? o.finishedAt.getTime() - o.createdAt.getTime() : null,
  };
}

export function serializeEvent(e: typeof clusterEvents.$inferSelect): ClusterEvent {
  return { id: e.id, cluster_id: e.clusterId, type: e.type, message: e.message, created_at: e.createdAt.toISOString() };
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function serializeBackup(b: BackupRow): Backup {
  return {
    id: b.id,
    cluster_id: b.clusterId,
    kind: b.kind,
    status: b.status,
    operation_id: b.operationId,
    started_at: iso(b.startedAt),
    finished_at: iso(b.finishedAt),
    duration_ms: b.startedAt && b.finishedAt ? b.finishedAt.getTime() - b.startedAt.getTime() : null,
    size_bytes: b.sizeBytes,
    begin_lsn: b.beginLsn,
    end_lsn: b.endLsn,
    begin_time: iso(b.beginTime),
    end_time: iso(b.endTime),
    error: b.error,
    created_at: b.createdAt.toISOString(),
    updated_at: b.updatedAt.toISOString(),
  };
}

export function serializeRestoreWindow(c: ClusterRow): RestoreWindow {
  return {
    cluster_id: c.id,
    earliest: iso(c.restoreEarliest),
    latest: iso(c.restoreLatest),
    point_in_time: c.restorePointInTime,
    limitation: c.restoreLimitation,
    wal_gap: c.walGap,
  };
}
