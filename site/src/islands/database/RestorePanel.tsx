// Restore, in the Backups tab: the restore window, a point in it (a time or a backup), and Restore… which asks for
// the database's name first (RestoreDialog). After a restore: its operation's progress, and the branch that keeps
// the state from before it, with a link to its page.
import { useRef, useState } from 'react';
import { Notice } from '../../components/ui.tsx';
import { pointRequest, type HistoryPoint } from '../../lib/history-point.ts';
import type { Backup, RestoreWindow } from '../../../../protocol/resources.ts';
import { OperationProgress } from './Activity.tsx';
import { PointPicker, RestoreWindowSummary } from './PointPicker.tsx';
import { RestoreDialog, type Restored } from './RestoreDialog.tsx';
import { Section } from './Section.tsx';
import type { Cluster, Mutation, Operation } from './model.ts';

interface Props {
  cluster: Cluster;
  operations: Operation[];
  backups: Backup[] | null;
  restoreWindow: RestoreWindow | null;
  windowError: string | null;
  canWrite: boolean;
  /** Why a restore would be refused now (another operation, a database not running), or null. */
  blocked: string | null;
  point: HistoryPoint;
  onPoint: (point: HistoryPoint) => void;
  dialogOpen: boolean;
  onDialog: (open: boolean) => void;
  onMutated: (result: Mutation) => void;
  onConflict: () => void;
}

export function RestorePanel({ cluster, operations, backups, restoreWindow, windowError, canWrite, blocked, point, onPoint, dialogOpen, onDialog, onMutated, onConflict }: Props) {
  const [pointError, setPointError] = useState<string | null>(null);
  const [restored, setRestored] = useState<Restored | null>(null);
  const opener = useRef<HTMLButtonElement>(null);

  function start() {
    const request = pointRequest(point, restoreWindow);
    setPointError(request.ok ? null : request.error);
    if (request.ok) onDialog(true);
  }

  function closeDialog() {
    onDialog(false);
    requestAnimationFrame(() => opener.current?.focus());
  }

  return (
    <Section title="Restore" testId="restore">
      <p className="muted">Puts the database back to an earlier state, from a backup or from any moment its archived changes reach.</p>
      <RestoreWindowSummary restoreWindow={restoreWindow} error={windowError} />
      {canWrite ? (
        <>
          <PointPicker
            kinds={['time', 'backup']}
            point={point}
            onChange={(next) => {
              onPoint(next);
              setPointError(null);
            }}
            restoreWindow={restoreWindow}
            backups={backups}
            error={pointError}
            testId="restore-point"
          />
          <div className="db-backup-now">
            <button ref={opener} type="button" className="btn btn-danger" disabled={blocked !== null} onClick={start} aria-haspopup="dialog" data-testid="restore-button">
              Restore…
            </button>
            {blocked ? <span className="muted">{blocked}</span> : null}
          </div>
          <RestoreDialog
            cluster={cluster}
            point={point}
            restoreWindow={restoreWindow}
            backups={backups ?? []}
            open={dialogOpen}
            onClose={closeDialog}
            onConflict={onConflict}
            onRestored={(result) => {
              setRestored(result);
              onMutated(result);
              onDialog(false);
            }}
          />
        </>
      ) : null}
      {restored ? (
        <>
          <OperationProgress started={restored.operation} operations={operations} />
          {restored.preserved_branch ? (
            <Notice kind="success">
              <span data-testid="preserved-branch">
                The state from before the restore is kept as the branch{' '}
                <a href={`/databases/${restored.preserved_branch.id}`} data-testid="preserved-branch-link">
                  {restored.preserved_branch.name}
                </a>
                .
              </span>
            </Notice>
          ) : null}
        </>
      ) : null}
    </Section>
  );
}
