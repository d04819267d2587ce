// Deleting a database: a modal <dialog> where the user types the database's name before Delete enables. Its backups
// stay for their retention period (to branch from) unless the user asks for them to go too. Focus moves into it,
// Escape closes it, focus returns to the button that opened it; after the delete, /databases.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../lib/api.ts';
import { Notice } from '../../components/ui.tsx';
import { actionErrorText, type Cluster } from './model.ts';

export function DeleteDialog({ cluster, disabled }: { cluster: Cluster; disabled: boolean }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [purge, setPurge] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const descId = useId();
  const inputId = useId();

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) {
      el.showModal();
      input.current?.focus();
    } else if (!open && el.open) {
      el.close();
    }
  }, [open]);

  function close() {
    if (deleting) return;
    setOpen(false);
    setTyped('');
    setPurge(false);
    setError(null);
    // Back where the user was (browsers that restore focus on close do the same).
    requestAnimationFrame(() => opener.current?.focus());
  }

  const matches = typed === cluster.name;

  async function confirm(event: FormEvent) {
    event.preventDefault();
    if (!matches || deleting) return;
    setError(null);
    setDeleting(true);
    try {
      await unwrap(api.v1.clusters[':id'].$delete({ param: { id: cluster.id }, query: { purge_backups: purge ? 'true' : 'false' } }));
      location.assign('/databases');
    } catch (e) {
      setDeleting(false);
      setError(actionErrorText(e));
    }
  }

  return (
    <>
      <button ref={opener} type="button" className="btn btn-danger" disabled={disabled} onClick={() => setOpen(true)} data-testid="delete-button" aria-haspopup="dialog">
        Delete database…
      </button>
      <dialog
        ref={dialog}
        className="db-dialog card"
        aria-labelledby={titleId}
        aria-describedby={descId}
        onCancel={(e) => {
          // Escape: close through React state so the dialog and the state agree.
          e.preventDefault();
          close();
        }}
        onClick={(e) => {
          // A click on the backdrop (the dialog element itself, outside its content) closes it too.
          if (e.target === dialog.current) close();
        }}
        data-testid="delete-dialog"
      >
        <form onSubmit={confirm} noValidate className="db-dialog-body">
          <h2 id={titleId}>Delete {cluster.name}?</h2>
          <p id={descId}>
            This deletes the database <strong>{cluster.name}</strong>, its servers and all of its data. It cannot be undone.
          </p>
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
              data-testid="delete-confirm-input"
            />
          </div>
          <label className="db-check">
            <input type="checkbox" checked={purge} onChange={(e) => setPurge(e.target.checked)} data-testid="delete-purge-backups" /> Delete its backups too. Otherwise they
            are kept for its backup retention period, and a new database can be branched from them through the API.
          </label>
          {error ? <Notice>{error}</Notice> : null}
          <div className="db-dialog-actions">
            <button type="button" className="btn" onClick={close} disabled={deleting}>
              Cancel
            </button>
            <button type="submit" className="btn btn-danger" disabled={!matches || deleting} data-testid="delete-confirm">
              {deleting ? 'Deleting…' : 'Delete database'}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
