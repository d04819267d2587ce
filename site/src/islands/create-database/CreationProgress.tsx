// After the API accepted: the create operation, followed on cluster:<id> (GET /v1/operations/{id} while the socket
// is down), until it is in the region's hands; then the database's page, which shows the rest.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Notice, StatusDot } from '../../components/ui.tsx';
import { api, unwrap } from '../../lib/api.ts';
import { useRealtime } from '../../lib/realtime.ts';
import type { Created } from './form-state.ts';
import { isFailed, isHandedOver, stepWords } from './progress-steps.ts';

/** Long enough to read that the work was handed over before the page changes. */
const OPEN_PAGE_AFTER_MS = 700;

export function CreationProgress({ orgId, created }: { orgId: string; created: Created }) {
  const { cluster, region } = created;
  const [operation, setOperation] = useState(created.operation);
  const [status, setStatus] = useState(cluster.status);
  const heading = useRef<HTMLHeadingElement>(null);
  const pageUrl = `/databases/${cluster.id}`;
  const operationId = created.operation.id;

  const refresh = useCallback(async () => {
    try {
      const body = await unwrap(api.v1.operations[':id'].$get({ param: { id: operationId } }));
      setOperation(body.operation);
    } catch {
      // The socket or the next poll brings it; the link to the database's page is there meanwhile.
    }
  }, [operationId]);

  useRealtime(
    orgId,
    [`cluster:${cluster.id}`],
    {
      'operation.updated': ({ operation: next }) => {
        if (next.id === operationId) setOperation(next);
      },
      'cluster.status': ({ cluster: next }) => {
        if (next.id === cluster.id) setStatus(next.status);
      },
    },
    refresh,
  );

  useEffect(() => {
    heading.current?.focus();
    // Whatever happened between the 202 and the subscription.
    void refresh();
  }, [refresh]);

  const handedOver = isHandedOver(operation.status, status);
  useEffect(() => {
    if (!handedOver) return;
    const timer = setTimeout(() => location.assign(pageUrl), OPEN_PAGE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [handedOver, pageUrl]);

  const regionName = region?.name ?? 'the region';
  const agentAway = region !== undefined && region.status !== 'online';
  const failed = isFailed(operation.status);
  const words = stepWords(operation.status, regionName, agentAway);

  return (
    <section className="card create-progress" aria-labelledby="progress-heading">
      <h2 id="progress-heading" ref={heading} tabIndex={-1}>
        Creating {cluster.name}
      </h2>
      <ol className="progress-steps">
        <li className="done">Request accepted</li>
        <li className={handedOver ? 'done' : 'current'}>Work handed to {regionName}</li>
        <li className={handedOver ? 'current' : undefined}>The database starts: follow it on its page</li>
      </ol>
      <p role="status" className="progress-now">
        {failed || handedOver ? null : <span className="spinner" aria-hidden="true" />}
        {words}
        {handedOver && !failed ? '. Opening the database’s page…' : ''}
      </p>
      <p className="muted">
        Database status: <StatusDot status={status} />
      </p>
      {failed ? <Notice>{operation.error ?? words}</Notice> : null}
      {agentAway && !failed ? (
        <Notice kind="info">
          {region.status === 'pending' ? `The agent of ${region.name} has not connected yet` : `${region.name} is offline`}: the database is created as soon
          as its agent connects. The database's page follows it.
        </Notice>
      ) : null}
      <p>
        <a className="btn btn-primary" href={pageUrl}>Go to the database</a>
      </p>
    </section>
  );
}
