// Where a region's backups lie in its object store, under the store's prefix: one folder per cluster, holding a folder
// per base backup (`base/<backup_id>/`) and its archived WAL (`wal/`). Restores and branches read from a cluster's
// folder; a cluster only ever writes into its own.
import { COMPRESSED_SUFFIX } from './compression.ts';

export function clusterBackupsPrefix(clusterId: string): string {
  return `clusters/${clusterId}/`;
}

export function baseBackupKey(clusterId: string, backupId: string): string {
  return `${clusterBackupsPrefix(clusterId)}base/${backupId}/base.tar${COMPRESSED_SUFFIX}`;
}

/** What a completed base backup is (wal-history.ts BaseBackupInfo), written once its archive is whole. */
export function baseBackupInfoKey(clusterId: string, backupId: string): string {
  return `${clusterBackupsPrefix(clusterId)}base/${backupId}/backup.json`;
}

export function walPrefix(clusterId: string): string {
  return `${clusterBackupsPrefix(clusterId)}wal/`;
}

/** An archived WAL file (segment, partial segment, timeline history, backup label), compressed. */
export function walKey(clusterId: string, name: string): string {
  return `${walPrefix(clusterId)}${name}${COMPRESSED_SUFFIX}`;
}
