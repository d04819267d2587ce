// The backup side of a cluster's objects, for CloudNativePG's barman-cloud plugin (plugin name
// `barman-cloud.cloudnative-pg.io`, ObjectStore kind in `barmancloud.cnpg.io/v1`): the namespace's ObjectStore pointing
// at the region's S3 store, the ScheduledBackup that takes the cluster's scheduled backups in-cluster (so they happen
// while the agent is away too), the one-off Backup of a backup asked for on demand, and the recovery half of a Cluster
// made from a history (a branch, or an in-place restore).
//
// Every cluster archives under its own `serverName` below `s3://<bucket>/<prefix>clusters/`, which puts its history at
// `clusters/<serverName>/` — the per-cluster layout the local driver writes too (agent/backup/layout.ts). A Cluster
// made from a history READS the source's serverName through `externalClusters` and WRITES under its own: barman-cloud
// refuses to archive into a folder that already holds another server's WAL, and a branch must never touch its source.
// Pure functions, like manifests.ts.
import { parseCron } from '../../backup/schedule.ts';
import { dnsLabelFor } from './manifests.ts';

export const BARMAN_PLUGIN = 'barman-cloud.cloudnative-pg.io';
export const OBJECT_STORE_API_VERSION = 'barmancloud.cnpg.io/v1';
/** One ObjectStore per cluster namespace: every CNPG Cluster of the cluster (the current one, a restore's) uses it. */
export const OBJECT_STORE_NAME = 'backups';
export const SCHEDULED_BACKUP_NAME = 'scheduled';
/**
 * The copy of the region's S3 credentials in the cluster's namespace: an ObjectStore can only name Secrets of its own
 * namespace, so the driver copies the region's Secret into each cluster's namespace under this name.
 */
export const BACKUP_CREDENTIALS_SECRET = 'backup-credentials';
/** The keys of the credentials Secret, as the barman-cloud plugin's documentation names them. */
export const ACCESS_KEY_ID_KEY = 'ACCESS_KEY_ID';
export const SECRET_ACCESS_KEY_KEY = 'ACCESS_SECRET_KEY';
export const REGION_KEY = 'REGION';

/** Where a region's CNPG clusters archive: the same S3 store the agent uses, as the instances reach it. */
export interface BackupStoreOptions {
  /** The S3 API as the instances' pods reach it (an in-cluster MinIO service, say); http(s). */
  endpointURL: string;
  bucket: string;
  /** '' or ending in '/', like the agent's OROCHI_S3_PREFIX. */
  prefix: string;
  /** Sent as the S3 region when set (a key of the copied Secret: the CRD takes the region from a Secret only). */
  region?: string;
  /** The region's Secret holding ACCESS_KEY_ID and ACCESS_SECRET_KEY, which the driver copies into each namespace. */
  credentialsSecret: { namespace: string; name: string };
}

/** The barman destination: every cluster's history is `clusters/<serverName>/` below it. */
export function destinationPath(store: BackupStoreOptions): string {
  return `s3://${store.bucket}/${store.prefix}clusters/`;
}

/** The plugin entry of a Cluster that archives its WAL (and takes its backups) under `serverName`. */
export function walArchiverPlugin(serverName: string): Record<string, unknown> {
  return { name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: OBJECT_STORE_NAME, serverName } };
}

export function objectStoreSpec(store: BackupStoreOptions, retentionDays: number): Record<string, unknown> {
  const key = (name: string) => ({ name: BACKUP_CREDENTIALS_SECRET, key: name });
  return {
    configuration: {
      destinationPath: destinationPath(store),
      endpointURL: store.endpointURL,
      s3Credentials: {
        accessKeyId: key(ACCESS_KEY_ID_KEY),
        secretAccessKey: key(SECRET_ACCESS_KEY_KEY),
        ...(store.region ? { region: key(REGION_KEY) } : {}),
      },
      wal: { compression: 'gzip' },
      data: { compression: 'gzip' },
    },
    // The plugin removes base backups (and the WAL only they need) past the cluster's retention.
    retentionPolicy: `${retentionDays}d`,
  };
}

/**
 * A five-field cron (the API's, UTC) as CloudNativePG's ScheduledBackup reads it: robfig/cron with a leading seconds
 * field, where Sunday is 0 only. Refuses what the agent's own schedule parser refuses.
 */
export function cnpgSchedule(fiveFields: string): string {
  const parsed = parseCron(fiveFields);
  const fields = fiveFields.trim().split(/\s+/);
  // A 7 (in a list, a range, a step) becomes the days it stands for, listed with Sunday as 0.
  if (/(^|\D)7(\D|$)/.test(fields[4]!)) fields[4] = [...parsed.weekdays].filter((day) => day !== 7).sort((a, b) => a - b).join(',');
  return `0 ${fields.join(' ')}`;
}

export function scheduledBackupSpec(cnpgClusterName: string, schedule: string): Record<string, unknown> {
  return {
    cluster: { name: cnpgClusterName },
    schedule: cnpgSchedule(schedule),
    method: 'plugin',
    pluginConfiguration: { name: BARMAN_PLUGIN },
    // Not at creation: the schedule starts from now, as the agent's own does.
    immediate: false,
    // The Backups it makes are owned by it, so they go with the cluster's namespace and the schedule.
    backupOwnerReference: 'self',
  };
}

/** The Backup object of an on-demand backup: named from the backup id, so asking twice finds the same one. */
export function backupObjectName(backupId: string): string {
  return dnsLabelFor('backup-', backupId);
}

export function backupSpec(cnpgClusterName: string): Record<string, unknown> {
  return { cluster: { name: cnpgClusterName }, method: 'plugin', pluginConfiguration: { name: BARMAN_PLUGIN } };
}

/**
 * Where a new CNPG Cluster's data comes from: another serverName's history in the region's store, at one of its base
 * backups (barman's backup id, from the source's Backup status), at a moment, or (both null) its newest point.
 */
export interface RecoverySource {
  serverName: string;
  /** barman's id of the base backup (Backup `status.backupId`), not the control plane's backup id. */
  barmanBackupId: string | null;
  /** RFC 3339. */
  targetTime: string | null;
}

/** The name the recovering Cluster gives its source in `externalClusters`. */
export const RECOVERY_SOURCE_NAME = 'origin';

export function externalClusterFor(source: RecoverySource): Record<string, unknown> {
  return {
    name: RECOVERY_SOURCE_NAME,
    plugin: { name: BARMAN_PLUGIN, parameters: { barmanObjectName: OBJECT_STORE_NAME, serverName: source.serverName } },
  };
}

/**
 * `bootstrap.recovery`: the role and database are the ones the source already holds, with the Secret's password set on
 * them. A backup alone stops as soon as that backup is consistent (targetImmediate): without a target, recovery would
 * replay every archived WAL after it, to the newest point.
 */
export function recoveryBootstrap(source: RecoverySource, database: string, owner: string, secretName: string): Record<string, unknown> {
  const recoveryTarget: Record<string, unknown> = {};
  if (source.barmanBackupId !== null) recoveryTarget.backupID = source.barmanBackupId;
  if (source.targetTime !== null) recoveryTarget.targetTime = source.targetTime;
  else if (source.barmanBackupId !== null) recoveryTarget.targetImmediate = true;
  return {
    recovery: {
      source: RECOVERY_SOURCE_NAME,
      database,
      owner,
      secret: { name: secretName },
      ...(Object.keys(recoveryTarget).length > 0 ? { recoveryTarget } : {}),
    },
  };
}
