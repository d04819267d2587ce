// Commands for the region agent are built in one place from a cluster's catalog row, whether they are fresh
// (an API mutation) or a resync (an agent reconnecting behind the desired generation).
import type { Command } from '../../protocol/agent.ts';
import type { ClusterAction } from '../../protocol/enums.ts';
import { seal, unseal } from '../../protocol/sealing.ts';
import { newId } from '../../protocol/ids.ts';
import { regionKey } from '../regions/region-keys.ts';
import type { ClusterRow } from './serialize.ts';
import { DEFAULT_BACKUP_SPEC, type BackupSpec } from '../../protocol/agent.ts';

export async function buildCommand(
  encryptionKey: string,
  cluster: ClusterRow,
  action: ClusterAction,
  operationId: string | null,
): Promise<Command> {
  if (!cluster.passwordCiphertext) throw new Error(`cluster ${cluster.id} has no password`);
  const password = await unseal(encryptionKey, cluster.passwordCiphertext);
  return {
    type: 'command',
    command_id: newId('cmd'),
    cluster_id: cluster.id,
    region_id: cluster.regionId,
    operation_id: operationId,
    generation: cluster.generation,
    action,
    spec: {
      name: cluster.name,
      org_id: cluster.orgId,
      project_id: cluster.projectId,
      engine: cluster.engine,
      version: cluster.version,
      tier: cluster.tier,
      size: cluster.size,
      instances: cluster.instances,
      storage_gb: cluster.storageGb,
      settings: cluster.settings as Record<string, unknown>,
      state: cluster.desiredState,
      database: cluster.databaseName,
      username: cluster.username,
      password_sealed: await seal(await regionKey(encryptionKey, cluster.regionId), password),
      backups: backupSpec(cluster),
      source: cluster.source ?? null,
      restore: cluster.restoreRequest ?? null,
    },
    issued_at: new Date().toISOString(),
  };
}

/** The cluster's backup settings (defaults where it has none) and what it owes beyond its schedule. */
export function backupSpec(cluster: ClusterRow): BackupSpec {
  const settings = cluster.settings as { backup_schedule?: string; backup_retention_days?: number };
  return {
    schedule: settings.backup_schedule ?? DEFAULT_BACKUP_SPEC.schedule,
    retention_days: settings.backup_retention_days ?? DEFAULT_BACKUP_SPEC.retention_days,
    requested: cluster.backupRequests.requested,
    deleted_backup_ids: cluster.backupRequests.deleted_backup_ids,
    purge: cluster.backupRequests.purge ?? false,
  };
}
