// What a cluster's history can be restored to on Kubernetes, from what CloudNativePG and its barman-cloud plugin say:
// the ObjectStore's `status.serverRecoveryWindow[<serverName>]` (firstRecoverabilityPoint, lastSuccessfulBackupTime;
// barmancloud.cnpg.io_objectstores.yaml) and the Cluster's `ContinuousArchiving` condition (CNPG's
// api/v1/cluster_conditions.go), with the completed Backup objects of that serverName when the plugin has not written
// its status yet. The plugin reports no archived-WAL position, so while archiving works the newest point is now; when it
// does not, only the backups themselves can be restored to. Pure, like cnpg-status.ts.
import type { RestoreWindow } from '../../backup/wal-history.ts';
import { BACKUP_PHASE_COMPLETED, type CnpgBackupView } from './cnpg-backup-status.ts';
import type { CnpgClusterView } from './cnpg-status.ts';

export const CONTINUOUS_ARCHIVING_CONDITION = 'ContinuousArchiving';

export interface ObjectStoreView {
  status?: {
    serverRecoveryWindow?: Record<string, { firstRecoverabilityPoint?: string; lastSuccessfulBackupTime?: string; lastFailedBackupTime?: string }>;
  };
}

export interface CnpgHistory {
  /** The serverName the cluster's current CNPG Cluster archives under: its restorable history. */
  serverName: string;
  objectStore: ObjectStoreView | null;
  cluster: CnpgClusterView | null;
  backups: readonly CnpgBackupView[];
  now: Date;
}

const LIMITATION_MAX = 500;

function clip(text: string): string {
  return text.length <= LIMITATION_MAX ? text : `${text.slice(0, LIMITATION_MAX - 1)}…`;
}

/** RFC 3339 to whole seconds, as Kubernetes writes times, so the same window reads the same twice. */
function seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function cnpgRestoreWindow(history: CnpgHistory): RestoreWindow {
  const recovery = history.objectStore?.status?.serverRecoveryWindow?.[history.serverName];
  const ends = history.backups
    .filter((backup) => backup.status?.phase === BACKUP_PHASE_COMPLETED && backup.status.serverName === history.serverName && backup.status.stoppedAt)
    .map((backup) => Date.parse(backup.status!.stoppedAt!))
    .filter((ms) => Number.isFinite(ms));
  const parse = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);
  // The plugin's first point, else the oldest completed backup's end (the plugin removes what retention drops, Backup
  // objects stay: the ObjectStore is the better source whenever it says anything).
  const first = parse(recovery?.firstRecoverabilityPoint);
  const earliest = Number.isFinite(first) ? first : ends.length > 0 ? Math.min(...ends) : NaN;
  if (!Number.isFinite(earliest)) return { earliest: null, latest: null, pointInTime: false, limitation: null, walGap: null };
  // Either source may be the fresher one for a moment (each is written on its own after a backup).
  const newestBackup = Math.max(earliest, parse(recovery?.lastSuccessfulBackupTime) || earliest, ...ends);

  const archiving = history.cluster?.status?.conditions?.find((condition) => condition.type === CONTINUOUS_ARCHIVING_CONDITION);
  if (archiving?.status === 'True') {
    return { earliest: seconds(earliest), latest: seconds(Math.max(history.now.getTime(), newestBackup)), pointInTime: true, limitation: null, walGap: null };
  }
  const limitation = archiving
    ? `WAL archiving is failing (${archiving.reason ?? 'no reason given'}${archiving.message ? `: ${archiving.message}` : ''}), so only the backups themselves can be restored to`
    : 'CloudNativePG does not report WAL archiving for this cluster yet, so only the backups themselves can be restored to';
  return { earliest: seconds(earliest), latest: seconds(newestBackup), pointInTime: false, limitation: clip(limitation), walGap: null };
}
