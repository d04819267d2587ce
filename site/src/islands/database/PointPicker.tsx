// Choosing a point in a database's history, for a restore or a branch: now, a time inside the restore window
// (a datetime-local field bounded by it, in the browser's time zone), or one of its completed backups. The window
// is shown with what limits it: only backups (no point-in-time restore), or a gap in the archived WAL.
import { useEffect, useId } from 'react';
import { backupKindLabel } from '../../lib/backups.ts';
import { bytes, dateTime, preciseTime } from '../../lib/format.ts';
import { pickerBounds, restorableBackups, timeUnavailable, type HistoryPoint, type HistoryPointKind } from '../../lib/history-point.ts';
import { Notice, Spinner } from '../../components/ui.tsx';
import type { Backup, RestoreWindow } from '../../../../protocol/resources.ts';

/** The window as a range of time, with why it is limited when it is. */
export function RestoreWindowSummary({ restoreWindow, error }: { restoreWindow: RestoreWindow | null; error: string | null }) {
  if (!restoreWindow) return error ? <Notice>Could not read the restore window: {error}</Notice> : <Spinner label="Reading the restore window…" />;
  const { earliest, latest } = restoreWindow;
  return (
    <div className="db-window" data-testid="restore-window" data-point-in-time={restoreWindow.point_in_time}>
      {earliest && latest ? (
        <p>
          {restoreWindow.point_in_time ? 'Any moment from ' : 'Its backups, from '}
          <time dateTime={earliest}>{preciseTime(earliest)}</time> to <time dateTime={latest}>{preciseTime(latest)}</time>
          {restoreWindow.point_in_time ? ' can be restored.' : '.'}
        </p>
      ) : (
        <p className="muted">Nothing to restore yet: the window opens with the first completed backup.</p>
      )}
      {restoreWindow.limitation ? (
        <Notice kind="info">
          <span data-testid="restore-limitation">{restoreWindow.limitation}</span>
        </Notice>
      ) : null}
      {restoreWindow.wal_gap ? (
        <div className="notice notice-warning" role="status" data-testid="restore-wal-gap">
          {restoreWindow.wal_gap}
        </div>
      ) : null}
    </div>
  );
}

interface Props {
  kinds: readonly HistoryPointKind[];
  point: HistoryPoint;
  onChange: (point: HistoryPoint) => void;
  restoreWindow: RestoreWindow | null;
  backups: Backup[] | null;
  error?: string | null;
  disabled?: boolean;
  testId?: string;
}

const KIND_WORDS: Record<HistoryPointKind, string> = { now: 'Now', time: 'A point in time', backup: 'A backup' };

export function PointPicker({ kinds, point, onChange, restoreWindow, backups, error, disabled = false, testId }: Props) {
  const id = useId();
  const bounds = restoreWindow ? pickerBounds(restoreWindow) : null;
  const completed = restorableBackups(backups ?? []);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const errorId = `${id}-error`;
  const unavailable: Record<HistoryPointKind, string | null> = {
    now: null,
    time: timeUnavailable(restoreWindow),
    backup: completed.length === 0 ? 'no completed backup yet' : null,
  };
  const firstAvailable = kinds.find((k) => unavailable[k] === null) ?? null;
  const defaultBackup = completed[0]?.id ?? '';

  // A choice that cannot be made (yet) gives way to one that can; a time or backup not yet picked starts at the newest.
  useEffect(() => {
    if (unavailable[point.kind] !== null && firstAvailable && firstAvailable !== point.kind) choose(firstAvailable);
    else if (point.kind === 'time' && point.local === '' && bounds) onChange({ kind: 'time', local: bounds.max });
    else if (point.kind === 'backup' && !completed.some((b) => b.id === point.backupId) && defaultBackup) onChange({ kind: 'backup', backupId: defaultBackup });
  });

  function choose(kind: HistoryPointKind) {
    if (kind === 'now') onChange({ kind });
    else if (kind === 'time') onChange({ kind, local: point.kind === 'time' ? point.local : (bounds?.max ?? '') });
    else onChange({ kind, backupId: point.kind === 'backup' ? point.backupId : defaultBackup });
  }

  return (
    <fieldset className="field db-point" data-testid={testId} aria-describedby={error ? errorId : undefined} disabled={disabled}>
      <legend>Point</legend>
      {kinds.map((kind) => {
        return (
          <div key={kind} className="db-point-choice">
            <label>
              <input type="radio" name={`${id}-kind`} value={kind} checked={point.kind === kind} disabled={unavailable[kind] !== null} onChange={() => choose(kind)} />{' '}
              {KIND_WORDS[kind]}
              {kind === 'now' ? <span className="muted"> (its newest state)</span> : null}
              {unavailable[kind] ? <span className="muted"> (not available: {unavailable[kind]})</span> : null}
            </label>
            {kind === 'time' && point.kind === 'time' && bounds ? (
              <div className="db-point-detail">
                <label htmlFor={`${id}-time`} className="visually-hidden">
                  Time ({zone})
                </label>
                <input
                  id={`${id}-time`}
                  type="datetime-local"
                  step={1}
                  min={bounds.min}
                  max={bounds.max}
                  value={point.local}
                  onChange={(e) => onChange({ kind: 'time', local: e.target.value })}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={`${id}-time-hint`}
                  data-testid="point-time"
                />
                <span id={`${id}-time-hint`} className="hint">
                  Your time zone ({zone}), between {preciseTime(restoreWindow!.earliest!)} and {preciseTime(restoreWindow!.latest!)}.
                </span>
              </div>
            ) : null}
            {kind === 'backup' && point.kind === 'backup' && completed.length > 0 ? (
              <div className="db-point-detail">
                <label htmlFor={`${id}-backup`} className="visually-hidden">
                  Backup
                </label>
                <select id={`${id}-backup`} value={point.backupId} onChange={(e) => onChange({ kind: 'backup', backupId: e.target.value })} data-testid="point-backup">
                  {completed.map((b) => (
                    <option key={b.id} value={b.id}>
                      {dateTime(b.started_at ?? b.created_at)} · {backupKindLabel(b.kind)}
                      {b.size_bytes !== null ? ` · ${bytes(b.size_bytes)}` : ''}
                    </option>
                  ))}
                </select>
              </div>
            ) : null}
          </div>
        );
      })}
      {error ? (
        <span id={errorId} className="error" role="alert">
          {error}
        </span>
      ) : null}
    </fieldset>
  );
}
