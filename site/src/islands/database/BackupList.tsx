// The backup history, newest first: when each started, why it was taken, where it stands, how big and how long.
// It changes live (useBackups); a finished backup can be deleted (after a second click) or chosen to restore from.
import { useState } from 'react';
import { api, unwrap } from '../../lib/api.ts';
import { backupKindLabel, backupStartedAt, backupStatusLabel, isBackupInFlight } from '../../lib/backups.ts';
import { bytes, dateTime, duration, timeAgo } from '../../lib/format.ts';
import { Notice, Spinner } from '../../components/ui.tsx';
import type { Backup } from '../../../../protocol/resources.ts';
import { actionErrorText } from './model.ts';

interface Props {
  backups: Backup[] | null;
  error: string | null;
  canWrite: boolean;
  onDeleted: (backup: Backup) => void;
  /** Restore from this backup (absent where restoring is not offered). */
  onRestore?: (backup: Backup) => void;
}

function BackupStatus({ backup }: { backup: Backup }) {
  return (
    <span className={`db-backup-status db-backup-${backup.status}`} data-testid="backup-status" data-backup-status={backup.status}>
      {isBackupInFlight(backup) ? <span className="spinner" aria-hidden="true" /> : <span aria-hidden="true">{backup.status === 'completed' ? '✓' : '✕'}</span>}
      {backupStatusLabel(backup.status)}
      {backup.error ? <span className="db-op-error">: {backup.error}</span> : null}
    </span>
  );
}

function DeleteBackup({ backup, onDeleted }: { backup: Backup; onDeleted: (backup: Backup) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const when = dateTime(backupStartedAt(backup));

  async function remove() {
    setDeleting(true);
    setError(null);
    try {
      const result = await unwrap(api.v1.backups[':id'].$delete({ param: { id: backup.id } }));
      onDeleted(result.backup);
    } catch (e) {
      setError(actionErrorText(e));
      setDeleting(false);
      setConfirming(false);
    }
  }

  if (isBackupInFlight(backup)) return null;
  return (
    <span className="db-backup-delete">
      {confirming ? (
        <>
          <button type="button" className="btn btn-small btn-danger" disabled={deleting} onClick={() => void remove()} data-testid="backup-delete-confirm" aria-label={`Confirm: delete the backup of ${when}`}>
            {deleting ? 'Deleting…' : 'Delete it'}
          </button>
          <button type="button" className="btn btn-small" disabled={deleting} onClick={() => setConfirming(false)}>
            Keep
          </button>
        </>
      ) : (
        <button type="button" className="btn btn-small" onClick={() => setConfirming(true)} data-testid="backup-delete" aria-label={`Delete the backup of ${when}`}>
          Delete
        </button>
      )}
      {error ? <Notice>{error}</Notice> : null}
    </span>
  );
}

export function BackupList({ backups, error, canWrite, onDeleted, onRestore }: Props) {
  if (error && !backups) return <Notice>Could not load the backups: {error}</Notice>;
  if (!backups) return <Spinner label="Loading backups…" />;
  if (backups.length === 0) return <p className="muted" data-testid="no-backups">No backups yet. The first scheduled one runs at the next time of the schedule, or take one now.</p>;
  return (
    <>
      {error ? <Notice kind="info">The list may be out of date: {error}</Notice> : null}
      <table className="table db-backups" data-testid="backups">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Size</th>
            <th scope="col">Duration</th>
            {canWrite ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {backups.map((backup) => {
            const started = backupStartedAt(backup);
            return (
              <tr key={backup.id} data-testid="backup" data-backup-id={backup.id} data-backup-status={backup.status}>
                <td data-label="Started">
                  <time dateTime={started} title={dateTime(started)}>
                    {dateTime(started)}
                  </time>{' '}
                  <span className="muted db-when">({timeAgo(started)})</span>
                </td>
                <td data-label="Kind">{backupKindLabel(backup.kind)}</td>
                <td data-label="Status">
                  <BackupStatus backup={backup} />
                </td>
                <td data-label="Size" data-testid="backup-size">
                  {backup.size_bytes === null ? <span className="muted">–</span> : bytes(backup.size_bytes)}
                </td>
                <td data-label="Duration">{backup.duration_ms === null ? <span className="muted">–</span> : duration(backup.duration_ms)}</td>
                {canWrite ? (
                  <td className="db-backup-actions">
                    {onRestore && backup.status === 'completed' ? (
                      <button type="button" className="btn btn-small" onClick={() => onRestore(backup)} data-testid="backup-restore" aria-label={`Restore from the backup of ${dateTime(started)}`}>
                        Restore…
                      </button>
                    ) : null}
                    <DeleteBackup backup={backup} onDeleted={onDeleted} />
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
