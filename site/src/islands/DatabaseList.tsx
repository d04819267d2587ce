// The organization's databases: search and filters (kept in the address, so a reload keeps them), a grid or a
// list (remembered per browser), cursor pages, and statuses that change live over the org:<org_id> channel,
// with the current page fetched again while the socket is down.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Cluster } from '../../../protocol/resources.ts';
import { SIZE_TABLE } from '../../../protocol/sizes.ts';
import { api, errorText, unwrap } from '../lib/api.ts';
import { dateTime, gb, statusLabel, timeAgo } from '../lib/format.ts';
import { useRealtime, type RealtimeMessage } from '../lib/realtime.ts';
import { useSession } from '../lib/session.ts';
import { EmptyState, Notice, Spinner, StatusDot } from '../components/ui.tsx';
import { canWriteClusters } from '../lib/cluster-rules.ts';
import { fresher, mergeFetched } from '../lib/merge.ts';
import { loadRegions, type RegionRow } from '../lib/regions.ts';

const PAGE_SIZE = 24;
const SEARCH_DELAY_MS = 300;
const VIEW_KEY = 'orochi.databases.view';

// clusterStatuses and the engine enum of clusterListQuerySchema (workers/schemas/clusters.ts).
const STATUSES = ['provisioning', 'running', 'updating', 'sleeping', 'waking', 'deleting', 'failed', 'deleted'] as const;
const ENGINES = [
  ['postgres', 'PostgreSQL'],
  ['nats', 'NATS JetStream'],
] as const;

type View = 'grid' | 'list';

interface Filters {
  search: string;
  region_id: string;
  status: string;
  engine: string;
}

const NO_FILTERS: Filters = { search: '', region_id: '', status: '', engine: '' };
const FILTER_KEYS = Object.keys(NO_FILTERS) as Array<keyof Filters>;

function filtersFromAddress(search: string): Filters {
  const params = new URLSearchParams(search);
  const status = params.get('status') ?? '';
  const engine = params.get('engine') ?? '';
  return {
    search: (params.get('search') ?? '').slice(0, 63),
    region_id: params.get('region_id') ?? '',
    status: (STATUSES as readonly string[]).includes(status) ? status : '',
    engine: ENGINES.some(([value]) => value === engine) ? engine : '',
  };
}

function addressFor(filters: Filters): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filters[key]) params.set(key, filters[key]);
  const query = params.toString();
  return `${location.pathname}${query ? `?${query}` : ''}${location.hash}`;
}

const hasFilters = (f: Filters) => FILTER_KEYS.some((key) => f[key] !== '');

const engineName = (engine: string) => ENGINES.find(([value]) => value === engine)?.[1] ?? engine;

function sizeText(size: Cluster['size']): string {
  const spec = SIZE_TABLE[size];
  return spec ? `${size} · ${spec.vcpu} vCPU, ${spec.memory_gb} GB RAM` : size;
}

interface PageState {
  rows: Cluster[] | null;
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
}

export default function DatabaseList() {
  const session = useSession();
  const orgId = session.status === 'ready' ? session.org.id : null;

  // Filters come from the address once mounted (the page is pre-rendered, so not during the first render).
  const [filters, setFilters] = useState<Filters | null>(null);
  const [searchText, setSearchText] = useState('');
  const [view, setView] = useState<View>('grid');
  // cursors[i] opens page i+1; the first page has none.
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState<PageState>({ rows: null, nextCursor: null, loading: true, error: null });
  const [regions, setRegions] = useState<RegionRow[] | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const listTop = useRef<HTMLDivElement>(null);
  const requestSeq = useRef(0);

  useEffect(() => {
    const initial = filtersFromAddress(location.search);
    setFilters(initial);
    setSearchText(initial.search);
    const saved = localStorage.getItem(VIEW_KEY);
    if (saved === 'grid' || saved === 'list') setView(saved);
    const onPop = () => {
      const next = filtersFromAddress(location.search);
      setFilters(next);
      setSearchText(next.search);
      setCursors([undefined]);
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const applyFilters = useCallback((change: Partial<Filters>) => {
    setFilters((current) => {
      const next = { ...(current ?? NO_FILTERS), ...change };
      history.replaceState(history.state, '', addressFor(next));
      return next;
    });
    setCursors([undefined]);
  }, []);

  // Typing searches once the typing pauses.
  useEffect(() => {
    if (filters === null || searchText.trim() === filters.search) return;
    const timer = setTimeout(() => applyFilters({ search: searchText.trim() }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [searchText, filters, applyFilters]);

  useEffect(() => {
    if (!orgId) return;
    let live = true;
    // Another organization: its list starts on its first page.
    setCursors([undefined]);
    setRegions(null);
    loadRegions(orgId).then(
      (list) => live && setRegions(list),
      // Without regions the list still works: rows show the region's id and the filter offers no regions.
      () => live && setRegions([]),
    );
    return () => {
      live = false;
    };
  }, [orgId]);

  const cursor = cursors[cursors.length - 1];

  /** Fetches the page in view; `quiet` keeps what is shown while it does (live refreshes and polling). */
  const fetchPage = useCallback(
    async (quiet: boolean) => {
      if (!orgId || filters === null) return;
      const seq = ++requestSeq.current;
      if (!quiet) setPage((p) => ({ ...p, loading: true, error: null }));
      const query: Record<string, string> = { org_id: orgId, limit: String(PAGE_SIZE) };
      for (const key of FILTER_KEYS) if (filters[key]) query[key] = filters[key];
      if (cursor) query.cursor = cursor;
      try {
        const body = await unwrap(api.v1.clusters.$get({ query }));
        if (seq !== requestSeq.current) return;
        setPage((shown) => ({ rows: mergeFetched(shown.rows, body.data), nextCursor: body.next_cursor, loading: false, error: null }));
      } catch (error) {
        if (seq !== requestSeq.current) return;
        // A failed background refresh leaves the rows as they were; the header says the connection is down.
        setPage((p) => (quiet && p.rows ? { ...p, loading: false } : { ...p, rows: null, loading: false, error: errorText(error) }));
      }
    },
    [orgId, filters, cursor],
  );

  useEffect(() => {
    void fetchPage(false);
  }, [fetchPage]);

  // A cluster the page does not hold yet (just created, say) needs the page fetched again; batch such news.
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
    },
    [],
  );
  const refreshSoon = useCallback(() => {
    if (refreshTimer.current) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = null;
      void fetchPage(true);
    }, 500);
  }, [fetchPage]);

  const onStatus = useCallback(
    ({ cluster }: RealtimeMessage<'cluster.status'>) => {
      const rows = page.rows;
      if (!rows) return;
      const index = rows.findIndex((r) => r.id === cluster.id);
      if (index === -1) {
        // Ids grow with time and pages run newest first: only the first page can gain a cluster it lacks.
        const last = rows[rows.length - 1];
        if (cursors.length === 1 && (rows.length < PAGE_SIZE || !last || cluster.id > last.id)) refreshSoon();
        return;
      }
      const before = rows[index]!;
      if (before.status !== cluster.status) setAnnouncement(`${cluster.name}: ${statusLabel(cluster.status)}`);
      const gone = cluster.status === 'deleted' && filters?.status !== 'deleted';
      setPage((p) => ({
        ...p,
        rows: p.rows && (gone ? p.rows.filter((r) => r.id !== cluster.id) : p.rows.map((r) => (r.id === cluster.id ? fresher(r, cluster) : r))),
      }));
    },
    [page.rows, cursors.length, filters?.status, refreshSoon],
  );

  useRealtime(orgId, orgId ? [`org:${orgId}`] : [], { 'cluster.status': onStatus }, () => fetchPage(true));

  function chooseView(next: View) {
    setView(next);
    localStorage.setItem(VIEW_KEY, next);
  }

  function turnPage(direction: 'next' | 'previous') {
    if (direction === 'next' && page.nextCursor) setCursors((c) => [...c, page.nextCursor ?? undefined]);
    if (direction === 'previous') setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c));
    setAnnouncement(`Page ${direction === 'next' ? cursors.length + 1 : Math.max(1, cursors.length - 1)}`);
    listTop.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }

  function clearFilters() {
    setSearchText('');
    applyFilters(NO_FILTERS);
  }

  const regionName = (id: string) => regions?.find((r) => r.id === id)?.name ?? id;
  const mayCreate = session.status === 'ready' && canWriteClusters(session.org.role);
  const filtered = filters !== null && hasFilters(filters);

  return (
    <div className="databases">
      <div className="page-head">
        <h1>Databases</h1>
        {mayCreate ? (
          <a className="btn btn-primary" href="/databases/new">
            <span aria-hidden="true">+</span> New database
          </a>
        ) : null}
      </div>

      {session.status === 'error' ? <Notice>{session.message}</Notice> : null}

      <div className="db-toolbar" role="search" aria-label="Filter databases">
        <div className="db-filter db-search">
          <label htmlFor="db-search" className="visually-hidden">Search by name</label>
          <input
            id="db-search"
            type="search"
            placeholder="Search databases…"
            maxLength={63}
            autoComplete="off"
            value={searchText}
            onChange={(e) => setSearchText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') applyFilters({ search: searchText.trim() });
            }}
          />
        </div>
        <div className="db-filter">
          <label htmlFor="db-region" className="visually-hidden">Region</label>
          <select id="db-region" value={filters?.region_id ?? ''} onChange={(e) => applyFilters({ region_id: e.target.value })}>
            <option value="">All regions</option>
            {regions?.map((r) => (
              <option key={r.id} value={r.id}>{r.name}</option>
            ))}
            {filters?.region_id && regions && !regions.some((r) => r.id === filters.region_id) ? (
              <option value={filters.region_id}>{filters.region_id}</option>
            ) : null}
          </select>
        </div>
        <div className="db-filter">
          <label htmlFor="db-status" className="visually-hidden">Status</label>
          <select id="db-status" value={filters?.status ?? ''} onChange={(e) => applyFilters({ status: e.target.value })}>
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>{statusLabel(s)}</option>
            ))}
          </select>
        </div>
        <div className="db-filter">
          <label htmlFor="db-engine" className="visually-hidden">Engine</label>
          <select id="db-engine" value={filters?.engine ?? ''} onChange={(e) => applyFilters({ engine: e.target.value })}>
            <option value="">All engines</option>
            {ENGINES.map(([value, label]) => (
              <option key={value} value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div className="db-view-toggle" role="group" aria-label="Show as">
          <button type="button" className="btn btn-small" aria-pressed={view === 'grid'} onClick={() => chooseView('grid')}>Grid</button>
          <button type="button" className="btn btn-small" aria-pressed={view === 'list'} onClick={() => chooseView('list')}>List</button>
        </div>
      </div>

      <p className="visually-hidden" role="status" aria-live="polite">{announcement}</p>

      <div ref={listTop} className="db-results" aria-busy={page.loading}>
        {session.status === 'error' ? null : page.error ? (
          <Notice>
            <p className="db-error-text">Could not load your databases: {page.error}</p>
            <button type="button" className="btn btn-small" onClick={() => void fetchPage(false)}>Try again</button>
          </Notice>
        ) : page.rows === null ? (
          <div className="db-loading"><Spinner label="Loading databases" /></div>
        ) : page.rows.length === 0 ? (
          filtered || cursors.length > 1 ? (
            <EmptyState title="No databases match these filters">
              <p>Try another search or clear the filters.</p>
              <button type="button" className="btn" onClick={clearFilters}>Clear filters</button>
            </EmptyState>
          ) : (
            <EmptyState title="No databases yet">
              <p>Create a PostgreSQL database in a region of your choice; it is ready in a few minutes.</p>
              {mayCreate ? <a className="btn btn-primary" href="/databases/new">Create database</a> : <p>Ask an owner, admin or developer of this organization to create one.</p>}
            </EmptyState>
          )
        ) : view === 'grid' ? (
          <ul className="db-grid" aria-label="Databases">
            {page.rows.map((c) => (
              <li key={c.id} className="card db-card">
                <h2 className="db-card-title"><a href={`/databases/${c.id}`}>{c.name}</a></h2>
                <StatusDot status={c.status} />
                {c.status === 'failed' && c.status_message ? <p className="db-status-message">{c.status_message}</p> : null}
                <dl className="db-facts">
                  <div><dt>Engine</dt><dd>{engineName(c.engine)} {c.version}</dd></div>
                  <div><dt>Region</dt><dd>{regionName(c.region_id)}</dd></div>
                  <div><dt>Size</dt><dd>{sizeText(c.size)}</dd></div>
                  <div><dt>Storage</dt><dd>{gb(c.storage_gb)}</dd></div>
                  <div><dt>Created</dt><dd><time dateTime={c.created_at} title={dateTime(c.created_at)}>{timeAgo(c.created_at)}</time></dd></div>
                </dl>
              </li>
            ))}
          </ul>
        ) : (
          <table className="table db-table">
            <caption className="visually-hidden">Databases</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Engine</th>
                <th scope="col">Region</th>
                <th scope="col">Size</th>
                <th scope="col">Storage</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {page.rows.map((c) => (
                <tr key={c.id}>
                  <td data-label="Name" className="db-name-cell"><a href={`/databases/${c.id}`}>{c.name}</a></td>
                  <td data-label="Status">
                    <StatusDot status={c.status} />
                    {c.status === 'failed' && c.status_message ? <span className="db-status-message">{c.status_message}</span> : null}
                  </td>
                  <td data-label="Engine">{engineName(c.engine)} {c.version}</td>
                  <td data-label="Region">{regionName(c.region_id)}</td>
                  <td data-label="Size">{sizeText(c.size)}</td>
                  <td data-label="Storage">{gb(c.storage_gb)}</td>
                  <td data-label="Created"><time dateTime={c.created_at} title={dateTime(c.created_at)}>{timeAgo(c.created_at)}</time></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      {page.rows && (cursors.length > 1 || page.nextCursor) ? (
        <nav className="db-pager" aria-label="Pages of databases">
          <button type="button" className="btn btn-small" disabled={cursors.length === 1 || page.loading} onClick={() => turnPage('previous')}>Previous</button>
          <span className="muted">Page {cursors.length}</span>
          <button type="button" className="btn btn-small" disabled={!page.nextCursor || page.loading} onClick={() => turnPage('next')}>Next</button>
        </nav>
      ) : null}
    </div>
  );
}
