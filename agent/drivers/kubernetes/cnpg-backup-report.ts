// A CloudNativePG Backup object as the agent's backup report, whoever made it: the agent (a backup asked for through the
// API, or the automatic one after a restore: named from its `bk_` id, which its annotations carry) or CNPG's
// ScheduledBackup (named `<schedule>-<YYYYMMDDhhmmss>` by the operator, labelled `cnpg.io/scheduled-backup`, and
// carrying none of the agent's annotations). The control plane keys backups by `bk_<26 base32>` ids (protocol/ids.ts
// ID_PATTERN), so a Backup the agent did not name gets an id derived from the object itself (derivedBackupId).
//
// A report is sent once per phase the agent has not yet told: the driver marks a Backup it reported in a terminal phase
// with REPORTED_ANNOTATION, so a restarted agent (which lists every Backup again) does not report old backups twice.
// Pure, like cnpg-backup-status.ts.
import { createHash } from 'node:crypto';
import type { BackupKind } from '../../../protocol/enums.ts';
import type { ObservedBackup } from '../driver.ts';
import { BACKUP_PHASE_COMPLETED, BACKUP_PHASE_FAILED, backupProgress, type CnpgBackupView } from './cnpg-backup-status.ts';
import { BACKUP_ID_ANNOTATION, BACKUP_KIND_ANNOTATION, CLUSTER_ID_ANNOTATION } from './manifests.ts';

/** CNPG's label on the Backups a ScheduledBackup makes (pkg/utils ParentScheduledBackupLabelName). */
export const SCHEDULED_BACKUP_LABEL = 'cnpg.io/scheduled-backup';
/** The terminal phase the agent has reported a Backup in (completed, failed). */
export const REPORTED_ANNOTATION = 'orochi.cloud/reported';

export interface CnpgBackupObject extends CnpgBackupView {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

// protocol/ids.ts's alphabet (lowercase Crockford base32), so derived ids read like the ones the control plane makes.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * The id of a Backup the agent did not name: `bk_`, its creation time in milliseconds as 10 base32 characters (so ids
 * sort by creation as newId's do), then 16 characters of the SHA-256 of its uid. The uid is the Kubernetes API's own
 * unique and immutable identity of the object, so the id is the same on every read and after any agent restart, and
 * two Backups never share one (the name alone repeats across namespaces and comes back if a Backup is re-created).
 */
export function derivedBackupId(uid: string, createdAt: string): string {
  let time = Math.max(0, Date.parse(createdAt) || 0);
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const digest = createHash('sha256').update(uid).digest();
  let tail = '';
  for (let i = 0; i < 16; i++) tail += ALPHABET[digest[i]! % 32];
  return `bk_${head}${tail}`;
}

/** The backup id and kind of a Backup: the agent's own when it named it, else derived (scheduled when CNPG's schedule made it). */
export function backupIdentity(backup: CnpgBackupObject): { backupId: string; kind: BackupKind } | null {
  const meta = backup.metadata ?? {};
  const annotated = meta.annotations?.[BACKUP_ID_ANNOTATION];
  if (annotated) {
    const kind = meta.annotations?.[BACKUP_KIND_ANNOTATION];
    return { backupId: annotated, kind: kind === 'scheduled' || kind === 'automatic' ? kind : 'manual' };
  }
  if (!meta.uid || !meta.creationTimestamp) return null;
  // A Backup someone made by hand (kubectl) is a backup on demand as far as the catalog is concerned.
  return { backupId: derivedBackupId(meta.uid, meta.creationTimestamp), kind: meta.labels?.[SCHEDULED_BACKUP_LABEL] ? 'scheduled' : 'manual' };
}

/** The cluster a Backup belongs to when it says so itself (the agent's Backups); others are known by their namespace. */
export function annotatedClusterId(backup: CnpgBackupObject): string | null {
  return backup.metadata?.annotations?.[CLUSTER_ID_ANNOTATION] ?? null;
}

/** Whether the Backup is in a terminal phase it was already reported in. */
export function alreadyReported(backup: CnpgBackupObject): boolean {
  const phase = backup.status?.phase;
  return (phase === BACKUP_PHASE_COMPLETED || phase === BACKUP_PHASE_FAILED) && backup.metadata?.annotations?.[REPORTED_ANNOTATION] === phase;
}

/** The report of a Backup of `clusterId` as it is now; null when it cannot be named (no uid yet). */
export function backupReportOf(backup: CnpgBackupObject, clusterId: string): ObservedBackup | null {
  const identity = backupIdentity(backup);
  if (!identity) return null;
  const status = backup.status ?? {};
  const startedAt = status.startedAt ?? backup.metadata?.creationTimestamp ?? new Date(0).toISOString();
  const base = { cluster_id: clusterId, backup_id: identity.backupId, kind: identity.kind, started_at: startedAt, size_bytes: null };
  const progress = backupProgress(backup);
  if (progress.state === 'running') {
    return { ...base, status: 'running', finished_at: null, begin_lsn: null, end_lsn: null, begin_time: null, end_time: null, error: null };
  }
  const finishedAt = status.stoppedAt ?? startedAt;
  if (progress.state === 'failed') {
    // Worded as the driver's backup() says it, so the report reads the same whichever way it was seen first.
    const error = `CloudNativePG Backup ${backup.metadata?.name ?? ''} failed: ${progress.error}`.slice(0, 2000);
    return { ...base, status: 'failed', finished_at: finishedAt, begin_lsn: null, end_lsn: null, begin_time: null, end_time: null, error };
  }
  const { outcome } = progress;
  return {
    ...base,
    status: 'completed',
    finished_at: finishedAt,
    begin_lsn: outcome.begin.lsn,
    end_lsn: outcome.end.lsn,
    begin_time: outcome.begin.time,
    end_time: outcome.end.time,
    error: null,
  };
}
