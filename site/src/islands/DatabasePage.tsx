// One database (/databases/<cluster id>): its header with the live status, and its tabs: Overview (details,
// connection, recent operations and events), Backups (history, back up now, schedule and retention, restore),
// Branches (its family of branches, create one), Metrics, Logs, Query, Schema and Insights (what the database is
// doing, and talking to it), and Settings (resize, sleep/wake, rotate password, delete). Status, operations and events follow the cluster's
// realtime channel, or a 5 s poll while the socket is down. A tab other than Overview is built when first opened;
// their code is loaded then too, so the page's first load carries only what Overview needs.
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { api, ApiFailure, errorText, unwrap } from '../lib/api.ts';
import { useRealtime, type RealtimeHandlers } from '../lib/realtime.ts';
import { useSession } from '../lib/session.ts';
import { Notice, Spinner, StatusDot } from '../components/ui.tsx';
import { Overview } from './database/Overview.tsx';
import { Settings } from './database/Settings.tsx';
import { fresher, mergeById, mergeFetched } from '../lib/merge.ts';
import { clusterIdFromPath, engineLabel, type Cluster, type ClusterEvent, type Mutation, type Operation, type Role } from './database/model.ts';
import './database/observability.css';

const BackupsTab = lazy(() => import('./database/BackupsTab.tsx').then((m) => ({ default: m.BackupsTab })));
const BranchesTab = lazy(() => import('./database/BranchesTab.tsx').then((m) => ({ default: m.BranchesTab })));
const MetricsTab = lazy(() => import('./database/MetricsTab.tsx').then((m) => ({ default: m.MetricsTab })));
const LogsTab = lazy(() => import('./database/LogsTab.tsx').then((m) => ({ default: m.LogsTab })));
const QueryTab = lazy(() => import('./database/QueryTab.tsx').then((m) => ({ default: m.QueryTab })));
const SchemaTab = lazy(() => import('./database/SchemaTab.tsx').then((m) => ({ default: m.SchemaTab })));
const InsightsTab = lazy(() => import('./database/InsightsTab.tsx').then((m) => ({ default: m.InsightsTab })));

const TABS = [
  { key: 'overview', label: 'Overview' },
  { key: 'metrics', label: 'Metrics' },
  { key: 'logs', label: 'Logs' },
  { key: 'query', label: 'Query' },
  { key: 'schema', label: 'Schema' },
  { key: 'insights', label: 'Insights' },
  { key: 'backups', label: 'Backups' },
  { key: 'branches', label: 'Branches' },
  { key: 'settings', label: 'Settings' },
] as const;
type TabKey = (typeof TABS)[number]['key'];

function tabFromHash(hash: string): TabKey {
  const key = hash.replace(/^#/, '');
  return TABS.some((t) => t.key === key) ? (key as TabKey) : 'overview';
}

type PageState =
  | { status: 'loading' }
  | { status: 'not_found' }
  | { status: 'error'; message: string }
  | { status: 'ready' };

export default function DatabasePage() {
  const session = useSession();
  const [id, setId] = useState<string | null | undefined>(undefined);
  const [page, setPage] = useState<PageState>({ status: 'loading' });
  const [cluster, setCluster] = useState<Cluster | null>(null);
  const [operations, setOperations] = useState<Operation[] | null>(null);
  const [events, setEvents] = useState<ClusterEvent[] | null>(null);
  const [listErrors, setListErrors] = useState<{ operations?: string; events?: string }>({});
  const [regionName, setRegionName] = useState<string | null>(null);
  const [tab, setTab] = useState<TabKey>('overview');
  const tabRefs = useRef<Partial<Record<TabKey, HTMLButtonElement | null>>>({});
  // Tabs opened so far: each is built on its first visit (its reads start then) and kept afterwards.
  const [opened, setOpened] = useState<ReadonlySet<TabKey>>(new Set(['overview']));
  useEffect(() => setOpened((seen) => (seen.has(tab) ? seen : new Set([...seen, tab]))), [tab]);

  // "3 minutes ago" stays true without new data.
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, []);

  // The address: the id (read after hydration, the page is prerendered) and the tab in the hash.
  useEffect(() => {
    setId(clusterIdFromPath(location.pathname));
    setTab(tabFromHash(location.hash));
    const onHash = () => setTab(tabFromHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const loadLists = useCallback(async (clusterId: string, orgId: string) => {
    const [ops, evs] = await Promise.allSettled([
      unwrap(api.v1.operations.$get({ query: { cluster_id: clusterId, org_id: orgId, limit: '10' } })),
      unwrap(api.v1.clusters[':id'].events.$get({ param: { id: clusterId }, query: { limit: '15' } })),
    ]);
    if (ops.status === 'fulfilled') setOperations((shown) => mergeFetched(shown, ops.value.data));
    if (evs.status === 'fulfilled') setEvents(evs.value.data);
    setListErrors({
      operations: ops.status === 'rejected' ? errorText(ops.reason) : undefined,
      events: evs.status === 'rejected' ? errorText(evs.reason) : undefined,
    });
  }, []);

  /** Everything the page shows, read again: the first load, the poll, and the catch-up after reconnecting. */
  const refresh = useCallback(
    async (clusterId: string, first: boolean) => {
      try {
        const { cluster } = await unwrap(api.v1.clusters[':id'].$get({ param: { id: clusterId } }));
        setCluster((shown) => fresher(shown, cluster));
        setPage({ status: 'ready' });
        await loadLists(clusterId, cluster.org_id);
      } catch (error) {
        if (error instanceof ApiFailure && error.status === 404) setPage({ status: 'not_found' });
        // A failed poll keeps what is on screen; only the first load turns into an error page.
        else if (first) setPage({ status: 'error', message: errorText(error) });
      }
    },
    [loadLists],
  );

  useEffect(() => {
    if (id === undefined) return;
    if (id === null) {
      setPage({ status: 'not_found' });
      return;
    }
    void refresh(id, true);
  }, [id, refresh]);

  // The region's name, once (the cluster carries only its id).
  const regionId = cluster?.region_id;
  useEffect(() => {
    if (!regionId) return;
    let live = true;
    unwrap(api.v1.regions[':id'].$get({ param: { id: regionId } })).then(
      ({ region }) => live && setRegionName(region.name),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [regionId]);

  useEffect(() => {
    if (cluster) document.title = `${cluster.name} · Orochi Cloud`;
  }, [cluster?.name]);

  const handlers = useMemo<RealtimeHandlers>(
    () => ({
      'cluster.status': ({ cluster: next }) => {
        if (next.id === id) setCluster((current) => fresher(current, next));
      },
      'operation.updated': ({ operation }) => {
        if (operation.cluster_id === id) setOperations((list) => mergeById(list ?? [], operation, 10));
      },
      'cluster.event': ({ event }) => {
        if (event.cluster_id === id) setEvents((list) => mergeById(list ?? [], event, 15));
      },
    }),
    [id],
  );
  const following = id && cluster && cluster.status !== 'deleted' ? [`cluster:${id}`] : [];
  useRealtime(cluster?.org_id ?? null, following, handlers, () => (id ? refresh(id, false) : undefined));

  const onMutated = useCallback((result: Mutation) => {
    setCluster((current) => fresher(current, result.cluster));
    setOperations((list) => mergeById(list ?? [], result.operation, 10));
  }, []);

  function selectTab(key: TabKey, focus = false) {
    setTab(key);
    history.replaceState(history.state, '', key === 'overview' ? `${location.pathname}${location.search}` : `#${key}`);
    if (focus) tabRefs.current[key]?.focus();
  }

  function onTabKey(event: KeyboardEvent<HTMLButtonElement>) {
    const index = TABS.findIndex((t) => t.key === tab);
    let next: number | null = null;
    if (event.key === 'ArrowRight') next = (index + 1) % TABS.length;
    else if (event.key === 'ArrowLeft') next = (index - 1 + TABS.length) % TABS.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = TABS.length - 1;
    if (next === null) return;
    event.preventDefault();
    selectTab(TABS[next]!.key, true);
  }

  const backLink = (
    <a className="db-back" href="/databases">
      <span aria-hidden="true">←</span> Databases
    </a>
  );

  if (session.status === 'error') {
    return (
      <div className="db-page">
        {backLink}
        <h1>Database</h1>
        <Notice>{session.message}</Notice>
      </div>
    );
  }

  if (page.status === 'not_found' || (page.status === 'ready' && cluster?.status === 'deleted')) {
    const deleted = cluster?.status === 'deleted';
    return (
      <div className="db-page">
        {backLink}
        <section className="card db-missing" data-testid="database-not-found">
          <h1>{deleted ? `${cluster.name} was deleted` : 'Database not found'}</h1>
          <p className="muted">
            {deleted
              ? 'This database and its data have been deleted.'
              : 'There is no database at this address in your organizations. It may have been deleted, or the link may be wrong.'}
          </p>
          <a className="btn btn-primary" href="/databases">
            Back to databases
          </a>
        </section>
      </div>
    );
  }

  if (page.status === 'error') {
    return (
      <div className="db-page">
        {backLink}
        <h1>Database</h1>
        <Notice>{page.message}</Notice>
        <p>
          <button type="button" className="btn" onClick={() => id && (setPage({ status: 'loading' }), void refresh(id, true))}>
            Try again
          </button>
        </p>
      </div>
    );
  }

  if (page.status === 'loading' || !cluster || session.status !== 'ready') {
    return (
      <div className="db-page" aria-busy="true">
        {backLink}
        <h1>Database</h1>
        <Spinner label="Loading the database…" />
      </div>
    );
  }

  const role: Role | null = session.me.organizations.find((o) => o.id === cluster.org_id)?.role ?? null;
  const region = regionName ?? cluster.region_id;

  return (
    <div className="db-page">
      {backLink}
      <header className="db-header">
        <div className="db-title">
          <h1>{cluster.name}</h1>
          <span role="status" aria-live="polite" data-testid="cluster-status">
            <span className="visually-hidden">Status: </span>
            <StatusDot status={cluster.status} />
          </span>
        </div>
        <ul className="db-facts" aria-label="Summary">
          <li>
            <span className="muted">Region</span> {region}
          </li>
          <li>{engineLabel(cluster)}</li>
          <li>
            <span className="muted">Size</span> {cluster.size}
            {cluster.instances > 1 ? ` × ${cluster.instances}` : ''}
          </li>
        </ul>
      </header>

      <div className="db-tabs" role="tablist" aria-label="Database sections">
        {TABS.map((t) => (
          <button
            key={t.key}
            ref={(el) => {
              tabRefs.current[t.key] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.key}`}
            aria-selected={tab === t.key}
            aria-controls={`panel-${t.key}`}
            tabIndex={tab === t.key ? 0 : -1}
            className="db-tab"
            data-testid={`tab-${t.key}`}
            onClick={() => selectTab(t.key)}
            onKeyDown={onTabKey}
          >
            {t.label}
          </button>
        ))}
      </div>

      <div role="tabpanel" id="panel-overview" aria-labelledby="tab-overview" hidden={tab !== 'overview'} tabIndex={0} className="db-panel">
        <Overview cluster={cluster} regionName={region} operations={operations} events={events} listErrors={listErrors} onGoToSettings={() => selectTab('settings', true)} onGoToMetrics={() => selectTab('metrics', true)} />
      </div>
      <div role="tabpanel" id="panel-metrics" aria-labelledby="tab-metrics" hidden={tab !== 'metrics'} tabIndex={0} className="db-panel">
        {opened.has('metrics') ? (
          <Suspense fallback={<Spinner label="Loading metrics…" />}>
            <MetricsTab cluster={cluster} />
          </Suspense>
        ) : null}
      </div>
      <div role="tabpanel" id="panel-logs" aria-labelledby="tab-logs" hidden={tab !== 'logs'} tabIndex={0} className="db-panel">
        {opened.has('logs') ? (
          <Suspense fallback={<Spinner label="Loading logs…" />}>
            <LogsTab cluster={cluster} active={tab === 'logs'} />
          </Suspense>
        ) : null}
      </div>
      <div role="tabpanel" id="panel-query" aria-labelledby="tab-query" hidden={tab !== 'query'} tabIndex={0} className="db-panel">
        {opened.has('query') ? (
          <Suspense fallback={<Spinner label="Loading the SQL editor…" />}>
            <QueryTab cluster={cluster} role={role} userId={session.me.user.id} onMutated={onMutated} />
          </Suspense>
        ) : null}
      </div>
      <div role="tabpanel" id="panel-schema" aria-labelledby="tab-schema" hidden={tab !== 'schema'} tabIndex={0} className="db-panel">
        {opened.has('schema') ? (
          <Suspense fallback={<Spinner label="Loading the schema…" />}>
            <SchemaTab cluster={cluster} />
          </Suspense>
        ) : null}
      </div>
      <div role="tabpanel" id="panel-insights" aria-labelledby="tab-insights" hidden={tab !== 'insights'} tabIndex={0} className="db-panel">
        {opened.has('insights') ? (
          <Suspense fallback={<Spinner label="Loading insights…" />}>
            <InsightsTab cluster={cluster} role={role} />
          </Suspense>
        ) : null}
      </div>
      <div role="tabpanel" id="panel-backups" aria-labelledby="tab-backups" hidden={tab !== 'backups'} tabIndex={0} className="db-panel">
        {opened.has('backups') ? (
          <Suspense fallback={<Spinner label="Loading backups…" />}>
            <BackupsTab cluster={cluster} operations={operations ?? []} role={role} onMutated={onMutated} onConflict={() => id && void refresh(id, false)} />
          </Suspense>
        ) : null}
      </div>
      <div role="tabpanel" id="panel-branches" aria-labelledby="tab-branches" hidden={tab !== 'branches'} tabIndex={0} className="db-panel">
        {opened.has('branches') ? (
          <Suspense fallback={<Spinner label="Loading branches…" />}>
            <BranchesTab cluster={cluster} role={role} />
          </Suspense>
        ) : null}
      </div>
      <div role="tabpanel" id="panel-settings" aria-labelledby="tab-settings" hidden={tab !== 'settings'} tabIndex={0} className="db-panel">
        <Settings cluster={cluster} operations={operations ?? []} role={role} onMutated={onMutated} onConflict={() => id && void refresh(id, false)} />
      </div>
    </div>
  );
}
