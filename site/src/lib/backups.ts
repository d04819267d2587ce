// A cluster's backups as the dashboard shows them: their kind and status in words, the backup settings a cluster
// holds (or the defaults it runs on), and keeping a shown list current from reads and `backup.updated` events.
import type { Backup, Cluster } from '../../../protocol/resources.ts';
import type { BackupStatus } from '../../../protocol/enums.ts';
import { fresher } from './merge.ts';

// What a cluster that never set them runs on, and the API's bounds on `backup_retention_days` (the plan caps it further, 422).
export {
  BACKUP_RETENTION_MAX_DAYS as RETENTION_MAX_DAYS,
  BACKUP_RETENTION_MIN_DAYS as RETENTION_MIN_DAYS,
  DEFAULT_BACKUP_RETENTION_DAYS as DEFAULT_RETENTION_DAYS,
  DEFAULT_BACKUP_SCHEDULE,
} from '../../../protocol/cluster-rules.ts';
import { BACKUP_RETENTION_MAX_DAYS as RETENTION_MAX_DAYS, BACKUP_RETENTION_MIN_DAYS as RETENTION_MIN_DAYS, DEFAULT_BACKUP_RETENTION_DAYS, DEFAULT_BACKUP_SCHEDULE } from '../../../protocol/cluster-rules.ts';

export interface BackupSettings {
  schedule: string;
  retentionDays: number;
}

/** The schedule and retention a cluster runs with: its settings, else the defaults. */
export function backupSettings(cluster: Pick<Cluster, 'settings'>): BackupSettings {
  const { backup_schedule: schedule, backup_retention_days: days } = cluster.settings;
  return {
    schedule: typeof schedule === 'string' ? schedule : DEFAULT_BACKUP_SCHEDULE,
    retentionDays: typeof days === 'number' ? days : DEFAULT_BACKUP_RETENTION_DAYS,
  };
}

/** What is wrong with the retention typed into the form, or null (the plan's cap is the API's to say). */
export function retentionProblem(text: string): string | null {
  if (text.trim() === '') return 'Enter how many days to keep backups.';
  const days = Number(text);
  if (!Number.isInteger(days)) return 'Enter a whole number of days.';
  if (days < RETENTION_MIN_DAYS || days > RETENTION_MAX_DAYS) return `Choose between ${RETENTION_MIN_DAYS} and ${RETENTION_MAX_DAYS.toLocaleString('en')} days.`;
  return null;
}

const STATUS_WORDS: Record<BackupStatus, string> = {
  pending: 'Waiting for the region',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  deleted: 'Deleted',
};

export function backupStatusLabel(status: BackupStatus): string {
  return STATUS_WORDS[status];
}

export function backupKindLabel(kind: Backup['kind']): string {
  return kind === 'manual' ? 'Manual' : 'Scheduled';
}

export function isBackupInFlight(backup: Pick<Backup, 'status'>): boolean {
  return backup.status === 'pending' || backup.status === 'running';
}

/** When a backup started, or when it was asked for if it has not started yet. */
export function backupStartedAt(backup: Pick<Backup, 'started_at' | 'created_at'>): string {
  return backup.started_at ?? backup.created_at;
}

/**
 * The list after one backup changed (an answer or a live update): the fresher copy of it kept, a new one put in
 * its place newest first (ids sort by time), a deleted one taken out, as the API's list leaves deleted ones out.
 */
export function withBackup(list: readonly Backup[], backup: Backup): Backup[] {
  const shown = list.find((b) => b.id === backup.id);
  const next = fresher(shown, backup);
  if (next.status === 'deleted') return list.filter((b) => b.id !== backup.id);
  if (shown) return list.map((b) => (b.id === backup.id ? next : b));
  return [backup, ...list].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** A list read again against the copies shown: each backup keeps its fresher copy (see mergeFetched). */
export function withFetchedBackups(shown: readonly Backup[], fetched: readonly Backup[]): Backup[] {
  const byId = new Map(shown.map((b) => [b.id, b]));
  return fetched.map((b) => fresher(byId.get(b.id), b));
}
