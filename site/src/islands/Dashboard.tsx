// The organization dashboard: counts at a glance, the newest databases with live status, the latest operations,
// and the common next steps. Statuses arrive on the org's realtime channel; each one also refreshes the counts and
// the activity feed. While the socket is down, everything is re-read.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorText, unwrap } from '../lib/api.ts';
import { actionLabel, dateTime, gb, statusLabel, timeAgo } from '../lib/format.ts';
import { fresher, mergeFetched } from '../lib/merge.ts';
import { useRealtime } from '../lib/realtime.ts';
import { useSession, type Organization } from '../lib/session.ts';
import { EmptyState, Notice, Spinner, StatusDot } from '../components/ui.tsx';
import { loadRegions } from '../lib/regions.ts';
import type { Cluster } from '../../../protocol/resources.ts';

type Summary = Awaited<ReturnType<typeof loadSummary>>;
type Operation = Awaited<ReturnType<typeof loadOperations>>['data'][number];
type Loaded<T> = { data: T; error: null } | { data: T | null; error: string } | { data: null; error: null };

const loadSummary = (orgId: string) => unwrap(api.v1.organizations[':org_id'].summary.$get({ param: { org_id: orgId } }));
const loadRecent = (orgId: string) => unwrap(api.v1.clusters.$get({ query: { org_id: orgId, limit: '5' } }));
const loadOperations = (orgId: string) => unwrap(api.v1.operations.$get({ query: { org_id: orgId, limit: '10' } }));

const STATUS_ORDER = ['running', 'provisioning', 'updating', 'waking', 'sleeping', 'deleting', 'failed'] as const;

// Operation statuses in words, drawn with the dot colours of the cluster statuses they resemble.
const OPERATION_STATUS: Record<Operation['status'], { word: string; dot: string }> = {
  pending: { word: 'Queued', dot: 'pending' },
  running: { word: 'In progress', dot: 'updating' },
  finished: { word: 'Done', dot: 'running' },
  failed: { word: 'Failed', dot: 'failed' },
  cancelled: { word: 'Cancelled', dot: 'sleeping' },
};

function seconds(ms: number): string {
  return ms < 60_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`;
}

function When({ iso }: { iso: string }) {
  return <time dateTime={iso} title={dateTime(iso)}>{timeAgo(iso)}</time>;
}

export default function Dashboard() {
  const session = useSession();
  if (session.status === 'loading') {
    return (
      <>
        <h1>Dashboard</h1>
        <Spinner label="Loading your organization…" />
      </>
    );
  }
  if (session.status === 'error') {
    return (
      <>
        <h1>Dashboard</h1>
        <Notice>{session.message}</Notice>
      </>
    );
  }
  return <OrgDashboard key={session.org.id} org={session.org} />;
}

function OrgDashboard({ org }: { org: Organization }) {
  const orgId = org.id;
  const [summary, setSummary] = useState<Loaded<Summary>>({ data: null, error: null });
  const [recent, setRecent] = useState<Loaded<Cluster[]>>({ data: null, error: null });
  const [operations, setOperations] = useState<Loaded<Operation[]>>({ data: null, error: null });
  const [regionNames, setRegionNames] = useState<Record<string, string>>({});
  const [clusterNames, setClusterNames] = useState<Record<string, string>>({});
  const [announcement, setAnnouncement] = useState('');
  const [, setTick] = useState(0);
  const lookedUp = useRef(new Set<string>());
  const recentRef = useRef<Cluster[] | null>(null);
  recentRef.current = recent.data;
  const lastStatus = useRef(new Map<string, string>());

  const readSummary = useCallback(
    () => loadSummary(orgId).then((data) => setSummary({ data, error: null }), (e: unknown) => setSummary((s) => ({ data: s.data, error: errorText(e) }))),
    [orgId],
  );
  const readRecent = useCallback(
    () =>
      loadRecent(orgId).then(
        ({ data }) => {
          setRecent((shown) => ({ data: mergeFetched(shown.data, data), error: null }));
          for (const c of data) lastStatus.current.set(c.id, c.status);
          setClusterNames((names) => ({ ...names, ...Object.fromEntries(data.map((c) => [c.id, c.name])) }));
        },
        (e: unknown) => setRecent((s) => ({ data: s.data, error: errorText(e) })),
      ),
    [orgId],
  );
  const readOperations = useCallback(
    () => loadOperations(orgId).then(({ data }) => setOperations({ data, error: null }), (e: unknown) => setOperations((s) => ({ data: s.data, error: errorText(e) }))),
    [orgId],
  );
  const readAll = useCallback(async () => {
    await Promise.all([readSummary(), readRecent(), readOperations()]);
  }, [readSummary, readRecent, readOperations]);

  useEffect(() => {
    void readAll();
    loadRegions(orgId).then(
      (regions) => setRegionNames(Object.fromEntries(regions.map((r) => [r.id, r.name]))),
      () => {}, // region names are a nicety: the ids stand in for them
    );
    const timer = setInterval(() => setTick((t) => t + 1), 30_000); // keeps "3 minutes ago" true
    return () => clearInterval(timer);
  }, [orgId, readAll]);

  // Operations name only their cluster: look up the names the recent list does not hold (deleted ones included).
  useEffect(() => {
    for (const op of operations.data ?? []) {
      const id = op.cluster_id;
      if (clusterNames[id] || lookedUp.current.has(id)) continue;
      lookedUp.current.add(id);
      unwrap(api.v1.clusters[':id'].$get({ param: { id } })).then(
        ({ cluster }) => setClusterNames((names) => ({ ...names, [id]: cluster.name })),
        () => {},
      );
    }
  }, [operations.data, clusterNames]);

  // Several statuses often arrive together: the counts and the feed are re-read once they settle.
  const followUp = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => clearTimeout(followUp.current ?? undefined), []);
  const scheduleFollowUp = (withRecent: boolean) => {
    if (followUp.current) clearTimeout(followUp.current);
    followUp.current = setTimeout(() => {
      followUp.current = null;
      void Promise.all([readSummary(), readOperations(), withRecent ? readRecent() : null]);
    }, 400);
  };

  useRealtime(
    orgId,
    [`org:${orgId}`],
    {
      'cluster.status': ({ cluster }) => {
        const rows = recentRef.current ?? [];
        const before = rows.find((c) => c.id === cluster.id);
        if (before && cluster.status !== 'deleted') {
          setRecent((s) => (s.data ? { ...s, data: s.data.map((c) => (c.id === cluster.id ? fresher(c, cluster) : c)) } : s));
        }
        if (lastStatus.current.get(cluster.id) !== cluster.status) setAnnouncement(`${cluster.name}: ${statusLabel(cluster.status)}`);
        lastStatus.current.set(cluster.id, cluster.status);
        // A cluster new to the list, or one that left it, changes which five are the newest.
        scheduleFollowUp(!before || cluster.status === 'deleted');
      },
    },
    readAll,
  );

  const loading = summary.data === null && summary.error === null;
  const isEmpty = summary.data?.total === 0 && (recent.data?.length ?? 0) === 0;

  return (
    <div className="dashboard">
      <div className="page-head">
        <div>
          <h1>Dashboard</h1>
          <p className="muted">{org.name}</p>
        </div>
        <a className="btn btn-primary" href="/databases/new">
          <span aria-hidden="true">+</span> New database
        </a>
      </div>
      <div className="visually-hidden" role="status" aria-live="polite">{announcement}</div>

      {summary.error && !summary.data ? (
        <Notice>
          Could not load the overview: {summary.error}{' '}
          <button type="button" className="btn btn-small" onClick={() => void readAll()}>Try again</button>
        </Notice>
      ) : null}

      {isEmpty ? (
        <EmptyState title="Create your first database">
          <p>Your organization has no databases yet. A PostgreSQL database is ready in a few minutes.</p>
          <p><a className="btn btn-primary" href="/databases/new">Create database</a></p>
        </EmptyState>
      ) : (
        <>
          <section aria-labelledby="overview-title">
            <h2 id="overview-title" className="visually-hidden">Overview</h2>
            {loading ? (
              <div className="stats" aria-busy="true">
                {[0, 1, 2, 3].map((i) => <div key={i} className="stat card skeleton" aria-hidden="true" />)}
                <Spinner label="Loading the overview…" />
              </div>
            ) : summary.data ? (
              <Stats summary={summary.data} />
            ) : null}
          </section>

          <section aria-labelledby="recent-title" className="dash-section">
            <div className="section-head">
              <h2 id="recent-title">Recent databases</h2>
              <a href="/databases">View all<span className="visually-hidden"> databases</span> <span aria-hidden="true">→</span></a>
            </div>
            {recent.error ? <Notice>Could not load your databases: {recent.error}</Notice> : null}
            {recent.data === null ? (
              recent.error ? null : <Spinner label="Loading databases…" />
            ) : recent.data.length === 0 ? (
              <p className="muted">No databases yet.</p>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Region</th>
                    <th scope="col">Status</th>
                    <th scope="col">Storage</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {recent.data.map((c) => (
                    <tr key={c.id}>
                      <td data-label="Name"><a href={`/databases/${c.id}`}>{c.name}</a></td>
                      <td data-label="Region">{regionNames[c.region_id] ?? c.region_id}</td>
                      <td data-label="Status"><StatusDot status={c.status} /></td>
                      <td data-label="Storage">{gb(c.storage_gb)}</td>
                      <td data-label="Created"><When iso={c.created_at} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}

      {isEmpty && (operations.data?.length ?? 0) === 0 ? null : (
        <section aria-labelledby="activity-title" className="dash-section">
          <h2 id="activity-title">Activity</h2>
          {operations.error ? <Notice>Could not load the activity: {operations.error}</Notice> : null}
          {operations.data === null ? (
            operations.error ? null : <Spinner label="Loading activity…" />
          ) : operations.data.length === 0 ? (
            <p className="muted">Nothing has happened yet. Operations on your databases appear here.</p>
          ) : (
            <ol className="feed card">
              {operations.data.map((op) => {
                const status = OPERATION_STATUS[op.status];
                return (
                  <li key={op.id}>
                    <div className="feed-what">
                      <strong>{actionLabel(op.action)}</strong>{' '}
                      <a href={`/databases/${op.cluster_id}`}>{clusterNames[op.cluster_id] ?? op.cluster_id}</a>
                      {op.error ? <p className="feed-error">{op.error}</p> : null}
                    </div>
                    <span className={`status status-${status.dot}`}>{status.word}</span>
                    <span className="muted feed-when">
                      <When iso={op.created_at} />
                      {op.status === 'finished' && op.duration_ms !== null ? <>, took {seconds(op.duration_ms)}</> : null}
                    </span>
                  </li>
                );
              })}
            </ol>
          )}
        </section>
      )}

      <section aria-labelledby="actions-title" className="dash-section">
        <h2 id="actions-title">Quick actions</h2>
        <ul className="quick-actions">
          <li><a className="btn btn-primary" href="/databases/new">Create database</a></li>
          <li><a className="btn" href="/regions">Regions</a></li>
          <li><a className="btn" href="/docs">API docs</a></li>
        </ul>
      </section>
    </div>
  );
}

function Stats({ summary }: { summary: Summary }) {
  const statuses = STATUS_ORDER.filter((s) => (summary.by_status[s] ?? 0) > 0);
  const running = summary.by_status.running ?? 0;
  return (
    <dl className="stats">
      <div className="stat card">
        <dt>Databases</dt>
        <dd className="stat-value">{summary.total}</dd>
        <dd className="stat-note">{summary.created_last_7_days > 0 ? `+${summary.created_last_7_days} this week` : 'None new this week'}</dd>
      </div>
      <div className="stat card">
        <dt>By status</dt>
        {statuses.length === 0 ? (
          <dd className="stat-note">No databases</dd>
        ) : (
          <dd>
            <ul className="stat-statuses">
              {statuses.map((s) => (
                <li key={s}>
                  <StatusDot status={s} /> <span className="stat-count">{summary.by_status[s]}</span>
                </li>
              ))}
            </ul>
          </dd>
        )}
      </div>
      <div className="stat card">
        <dt>Storage</dt>
        <dd className="stat-value">{gb(summary.storage_gb)}</dd>
        <dd className="stat-note">provisioned across {summary.total} {summary.total === 1 ? 'database' : 'databases'}</dd>
      </div>
      <div className="stat card">
        <dt>Running compute</dt>
        <dd className="stat-value">{summary.running_vcpu.toLocaleString('en', { maximumFractionDigits: 2 })} vCPU</dd>
        <dd className="stat-note">
          {gb(summary.running_memory_gb)} memory, {running} running {running === 1 ? 'database' : 'databases'}
        </dd>
      </div>
    </dl>
  );
}
