// Where a region's backups lie in its object store, under the store's prefix: one folder per cluster, a folder per
// base backup. Restores and branches read from a cluster's folder; a cluster only ever writes into its own.

export function clusterBackupsPrefix(clusterId: string): string {
  return `clusters/${clusterId}/`;
}

export function baseBackupKey(clusterId: string, backupId: string): string {
  return `${clusterBackupsPrefix(clusterId)}base/${backupId}/base.tar.gz`;
}
