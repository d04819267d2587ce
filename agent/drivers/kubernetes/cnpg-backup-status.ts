// What a CloudNativePG Backup's status means for the agent's backup report. The phases are CNPG's own
// (api/v1/backup_types.go: pending, started, running, finalizing, completed, failed, walArchivingFailing); completed and
// failed are the only ones it leaves a Backup in, every other one is still under way. Pure, like cnpg-status.ts.
import type { BackupOutcome } from '../driver.ts';

export const BACKUP_PHASE_COMPLETED = 'completed';
export const BACKUP_PHASE_FAILED = 'failed';

export interface CnpgBackupView {
  status?: {
    phase?: string;
    startedAt?: string;
    stoppedAt?: string;
    beginLSN?: string;
    endLSN?: string;
    error?: string;
    /** barman's id of the base backup: what a recovery's recoveryTarget.backupID names. */
    backupId?: string;
    serverName?: string;
  };
}

export type BackupProgress =
  | { state: 'running'; phase: string }
  | { state: 'failed'; error: string }
  | { state: 'completed'; outcome: BackupOutcome; barmanBackupId: string | null; serverName: string | null };

export function backupProgress(backup: CnpgBackupView): BackupProgress {
  const status = backup.status ?? {};
  const phase = status.phase ?? '';
  if (phase === BACKUP_PHASE_FAILED) return { state: 'failed', error: status.error || 'the Backup failed without saying why' };
  if (phase !== BACKUP_PHASE_COMPLETED) return { state: 'running', phase: phase || 'new' };
  const begin = status.startedAt ?? status.stoppedAt ?? new Date(0).toISOString();
  return {
    state: 'completed',
    // CNPG's Backup status does not carry the stored size; the object store's listing is the place to read it.
    outcome: { sizeBytes: null, begin: { lsn: status.beginLSN ?? null, time: begin }, end: { lsn: status.endLSN ?? null, time: status.stoppedAt ?? begin } },
    barmanBackupId: status.backupId ?? null,
    serverName: status.serverName ?? null,
  };
}
