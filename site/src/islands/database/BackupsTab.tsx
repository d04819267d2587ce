// The Backups tab: Back up now (with its operation's progress), the backup history as it changes, restoring to a
// backup or a moment of the restore window, and the schedule and retention settings. Backups follow
// `backup.updated` live (useBackups), the window `restore_window.updated` (useRestoreWindow).
import { useState } from 'react';
import type { HistoryPoint } from '../../lib/history-point.ts';
import { api, ApiFailure, unwrap } from '../../lib/api.ts';
import { statusLabel } from '../../lib/format.ts';
import { Notice } from '../../components/ui.tsx';
import { OperationProgress } from './Activity.tsx';
import { BackupList } from './BackupList.tsx';
import { BackupSettings } from './BackupSettings.tsx';
import { RestorePanel } from './RestorePanel.tsx';
import { Section } from './Section.tsx';
import { useBackups } from './use-backups.ts';
import { useRestoreWindow } from './use-restore-window.ts';
import { actionErrorText, actionLabel, canWrite, inFlight, TRANSITIONAL, type Cluster, type Mutation, type Operation, type Role } from './model.ts';

interface Props {
  cluster: Cluster;
  operations: Operation[];
  role: Role | null;
  onMutated: (result: Mutation) => void;
  onConflict: () => void;
}

/** Why a change would be refused now, in words, or null: another operation runs, or the cluster is changing. */
function busyReason(cluster: Cluster, operations: Operation[]): string | null {
  const running = inFlight(operations);
  if (running) return `${actionLabel(running.action)} is in progress; this is available again when it finishes.`;
  if (TRANSITIONAL.has(cluster.status)) return `The database is ${statusLabel(cluster.status).toLowerCase()}; this is available again when it is done.`;
  return null;
}

/** Why Back up now is unavailable, or null: only a running database is backed up. */
function backupNowBlocked(cluster: Cluster, operations: Operation[]): string | null {
  if (cluster.status === 'sleeping') return 'The database is sleeping: wake it on the Settings tab to back it up.';
  if (cluster.status === 'failed') return 'The database has failed: only a running database can be backed up.';
  if (cluster.status !== 'running' && !TRANSITIONAL.has(cluster.status)) return `The database is ${statusLabel(cluster.status).toLowerCase()}: only a running database can be backed up.`;
  return busyReason(cluster, operations);
}

export function BackupsTab({ cluster, operations, role, onMutated, onConflict }: Props) {
  const { backups, error, apply } = useBackups(cluster);
  const writer = canWrite(role);
  const [started, setStarted] = useState<Operation | null>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const blocked = backupNowBlocked(cluster, operations);
  const completedKey = (backups ?? []).filter((b) => b.status === 'completed').map((b) => b.id).join(',');
  const { restoreWindow, error: windowError, reload: reloadWindow } = useRestoreWindow(cluster, completedKey);
  const [point, setPoint] = useState<HistoryPoint>({ kind: 'time', local: '' });
  const [restoreOpen, setRestoreOpen] = useState(false);

  function openRestore(next: HistoryPoint) {
    setPoint(next);
    // The window's newest end moves on as WAL is archived: read it again for the dialog.
    void reloadWindow();
    setRestoreOpen(true);
  }

  async function backUpNow() {
    setStarting(true);
    setStartError(null);
    try {
      const result = await unwrap(api.v1.clusters[':id'].backups.$post({ param: { id: cluster.id } }));
      setStarted(result.operation);
      onMutated(result);
      apply(result.backup);
    } catch (e) {
      setStartError(actionErrorText(e));
      if (e instanceof ApiFailure && e.status === 409) onConflict();
    } finally {
      setStarting(false);
    }
  }

  return (
    <div className="db-backups-tab">
      <Section title="Backups" testId="backup-history">
        <p className="muted">Full backups of the database go to its region's object store, on the schedule below and whenever you ask.</p>
        {writer ? (
          <div className="db-backup-now">
            <button type="button" className="btn btn-primary" disabled={starting || blocked !== null} aria-describedby={blocked ? 'backup-now-blocked' : undefined} onClick={() => void backUpNow()} data-testid="backup-now">
              {starting ? 'Starting…' : 'Back up now'}
            </button>
            {blocked ? (
              <span id="backup-now-blocked" className="muted" data-testid="backup-now-blocked">
                {blocked}
              </span>
            ) : null}
          </div>
        ) : (
          <Notice kind="info">Your role in this organization ({role ?? 'none'}) can see the backups but not take, delete or restore them.</Notice>
        )}
        {startError ? <Notice>{startError}</Notice> : null}
        <OperationProgress started={started} operations={operations} />
        <BackupList backups={backups} error={error} canWrite={writer} onDeleted={apply} onRestore={(backup) => openRestore({ kind: 'backup', backupId: backup.id })} />
      </Section>
      <RestorePanel
        cluster={cluster}
        operations={operations}
        backups={backups}
        restoreWindow={restoreWindow}
        windowError={windowError}
        canWrite={writer}
        blocked={busyReason(cluster, operations)}
        point={point}
        onPoint={setPoint}
        dialogOpen={restoreOpen}
        onDialog={(open) => (open ? openRestore(point) : setRestoreOpen(false))}
        onMutated={onMutated}
        onConflict={onConflict}
      />
      <BackupSettings cluster={cluster} operations={operations} canWrite={writer} busyReason={busyReason(cluster, operations)} onMutated={onMutated} onConflict={onConflict} />
    </div>
  );
}
