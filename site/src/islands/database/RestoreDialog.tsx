// Restoring a database in place: a modal <dialog> that says what will happen (the data replaced by its state at the
// chosen point, the state before kept as a new branch) and enables Restore only once the database's name is typed.
// The API's refusals in words: a time outside the window (with the window as it now is), a restore the engine
// cannot do, another operation in progress.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiFailure, unwrap } from '../../lib/api.ts';
import { preciseTime } from '../../lib/format.ts';
import { pointRequest, pointWords, type HistoryPoint } from '../../lib/history-point.ts';
import { Notice } from '../../components/ui.tsx';
import type { Backup, RestoreWindow } from '../../../../protocol/resources.ts';
import { actionErrorText, type Cluster, type Operation } from './model.ts';

export interface Restored {
  cluster: Cluster;
  operation: Operation;
  preserved_branch: Cluster | null;
}

interface Props {
  cluster: Cluster;
  point: HistoryPoint;
  restoreWindow: RestoreWindow | null;
  backups: Backup[];
  open: boolean;
  onClose: () => void;
  onRestored: (result: Restored) => void;
  /** The page's picture is stale (a 409 said so). */
  onConflict: () => void;
}

function refusalText(error: unknown): string {
  if (error instanceof ApiFailure && error.code === 'target_outside_window') {
    const window = error.details as { earliest?: string | null; latest?: string | null } | undefined;
    const range = window?.earliest && window.latest ? ` It now runs from ${preciseTime(window.earliest)} to ${preciseTime(window.latest)}.` : '';
    return `That time is outside the restore window.${range} Choose another time and try again.`;
  }
  if (error instanceof ApiFailure && error.code === 'unsupported') return `This database cannot be restored that way: ${error.message}.`;
  return actionErrorText(error);
}

export function RestoreDialog({ cluster, point, restoreWindow, backups, open, onClose, onRestored, onConflict }: Props) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [restoring, setRestoring] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const descId = useId();
  const inputId = useId();

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) {
      setTyped('');
      setError(null);
      el.showModal();
      input.current?.focus();
    } else if (!open && el.open) {
      el.close();
    }
  }, [open]);

  function close() {
    if (!restoring) onClose();
  }

  const matches = typed === cluster.name;
  const target = pointWords(point, backups);

  async function confirm(event: FormEvent) {
    event.preventDefault();
    if (!matches || restoring) return;
    const request = pointRequest(point, restoreWindow);
    if (!request.ok) {
      setError(request.error);
      return;
    }
    setError(null);
    setRestoring(true);
    try {
      const result = await unwrap(api.v1.clusters[':id'].restore.$post({ param: { id: cluster.id }, json: request.body }));
      setRestoring(false);
      onRestored(result);
    } catch (e) {
      setRestoring(false);
      setError(refusalText(e));
      if (e instanceof ApiFailure && e.status === 409) onConflict();
    }
  }

  return (
    <dialog
      ref={dialog}
      className="db-dialog card"
      aria-labelledby={titleId}
      aria-describedby={descId}
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
      onClick={(e) => {
        if (e.target === dialog.current) close();
      }}
      data-testid="restore-dialog"
    >
      <form onSubmit={confirm} noValidate className="db-dialog-body">
        <h2 id={titleId}>Restore {cluster.name}?</h2>
        <div id={descId}>
          <p>
            The data of <strong>{cluster.name}</strong> is replaced by <strong data-testid="restore-target">{target}</strong>. Connections are cut while it restores; the
            connection details stay the same.
          </p>
          <p className="muted">Its state just before the restore is kept as a new branch, which you can open, connect to or delete afterwards.</p>
        </div>
        <div className="field">
          <label htmlFor={inputId}>
            Type <strong className="mono">{cluster.name}</strong> to confirm
          </label>
          <input
            ref={input}
            id={inputId}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            data-testid="restore-confirm-input"
          />
        </div>
        {error ? <Notice>{error}</Notice> : null}
        <div className="db-dialog-actions">
          <button type="button" className="btn" onClick={close} disabled={restoring}>
            Cancel
          </button>
          <button type="submit" className="btn btn-danger" disabled={!matches || restoring} data-testid="restore-confirm">
            {restoring ? 'Restoring…' : 'Restore'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
