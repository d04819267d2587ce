// Recent operations (with the progress of one in flight) and recent events, newest first; the page keeps both
// current from the realtime channel.
import { dateTime, statusLabel, timeAgo } from '../../lib/format.ts';
import { Notice, Spinner } from '../../components/ui.tsx';
import { actionLabel, duration, isInFlight, type ClusterEvent, type Operation } from './model.ts';

function When({ iso }: { iso: string }) {
  return (
    <time className="muted db-when" dateTime={iso} title={dateTime(iso)}>
      {timeAgo(iso)}
    </time>
  );
}

/**
 * Where an operation stands: waiting or running (with a spinner, and what it waits for when the region's agent is
 * away), finished (with its duration), failed (with why).
 */
export function OperationStatus({ operation }: { operation: Operation }) {
  if (isInFlight(operation)) {
    return (
      <span className="db-op-status" data-op-status={operation.status}>
        <span className="spinner" aria-hidden="true" />
        {operation.status === 'pending' ? 'Pending: waiting for the region' : 'Running'}
        {operation.status_message ? (
          <span className="db-op-waiting" data-testid="operation-waiting">
            : {operation.status_message}
          </span>
        ) : null}
      </span>
    );
  }
  if (operation.status === 'finished') {
    return (
      <span className="db-op-status db-op-finished" data-op-status="finished">
        <span aria-hidden="true">✓</span> Finished{operation.duration_ms !== null ? ` in ${duration(operation.duration_ms)}` : ''}
      </span>
    );
  }
  return (
    <span className={`db-op-status db-op-${operation.status}`} data-op-status={operation.status}>
      <span aria-hidden="true">{operation.status === 'failed' ? '✕' : '–'}</span> {statusLabel(operation.status)}
      {operation.error ? <span className="db-op-error">: {operation.error}</span> : null}
    </span>
  );
}

export function OperationList({ operations, error }: { operations: Operation[] | null; error?: string }) {
  if (error && !operations) return <Notice>Could not load the operations: {error}</Notice>;
  if (!operations) return <Spinner label="Loading operations…" />;
  if (operations.length === 0) return <p className="muted">No operations yet.</p>;
  return (
    <ul className="db-list" data-testid="operations">
      {operations.map((op) => (
        <li key={op.id} data-testid="operation" data-operation-id={op.id} data-action={op.action} data-op-status={op.status}>
          <div className="db-list-main">
            <strong>{actionLabel(op.action)}</strong>
            <OperationStatus operation={op} />
          </div>
          <When iso={op.created_at} />
        </li>
      ))}
    </ul>
  );
}

export function EventList({ events, error }: { events: ClusterEvent[] | null; error?: string }) {
  if (error && !events) return <Notice>Could not load the events: {error}</Notice>;
  if (!events) return <Spinner label="Loading events…" />;
  if (events.length === 0) return <p className="muted">No events yet.</p>;
  return (
    <ul className="db-list" data-testid="events">
      {events.map((event) => (
        <li key={event.id} data-testid="event" data-event-type={event.type}>
          <div className="db-list-main">
            <span>{event.message}</span>
          </div>
          <When iso={event.created_at} />
        </li>
      ))}
    </ul>
  );
}

/** The operation an action started, as it stands now (the live list has the newest state). */
export function OperationProgress({ started, operations }: { started: Operation | null; operations: Operation[] }) {
  if (!started) return null;
  const current = operations.find((o) => o.id === started.id) ?? started;
  return (
    <div className="db-progress" role="status" aria-live="polite" data-testid={`progress-${current.action}`} data-op-status={current.status}>
      <strong>{actionLabel(current.action)}:</strong> <OperationStatus operation={current} />
    </div>
  );
}
