// `npm run bench`: figures for the performance targets in ARCHITECTURE.md, measured on a scratch local stack
// started for the run (dev/stack.ts) and stopped after it. Every loop is bounded in count and time.
//   api           authenticated reads vs a bare route of the same Worker (target: <= 1.5x at p50), with a session
//                 token and with an API key
//                 and the time the API-wide rate limit takes of a request (its Server-Timing, limits scaled x1000)
//   dispatch      API call -> the region's agent holds the command (target: p99 < 50 ms)
//   fanout        one status report -> 1,000 subscribed WebSockets (target: p99 < 50 ms)
//   provisioning  create -> the new cluster accepts SQL, on the local driver (target: < 1 s)
//   wake          wake from sleep -> the cluster accepts SQL with its password, on the local driver (target: < 500 ms)
//   list          the dashboard's database list over an org of 10,000 clusters, page by page (target: < 50 ms a page)
//   backups       a base backup of a 1 GB cluster into the object store vs a plain pg_basebackup of it to local disk
//                 (target: <= 1.5x), and a branch of it at a point in time -> accepts SQL (target: < 10 s)
//   metrics, sql, logs   observability: metrics ingest through one region, SQL through the API vs a direct
//                 connection, a log line to a subscribed socket (dev/bench/observability.ts)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import WebSocket from 'ws';
import { startProbeAgent } from './bench/probe-agent.ts';
import { benchLogLines, benchMetricsIngest, benchSqlRoundTrip, type BenchContext } from './bench/observability.ts';
import { removeDataDir } from './stack.ts';
import { newId } from '../protocol/ids.ts';
import { chooseInstallation, findNativeInstallations } from '../agent/drivers/local/native-binaries.ts';
import { socketDirectory } from '../agent/drivers/local/native-engine.ts';
import { ObjectStore } from '../agent/backup/object-store.ts';
import { embeddedStoreConfig, startObjectStore } from './object-store.ts';
import { chownToServerUser, commandAs, serverUser } from '../agent/drivers/local/server-user.ts';

/** The parts of the running stack the benchmarks use, read off `npm start`'s output. */
interface Stack {
  url: string;
  localRegionId: string;
  catalog: { databaseUrl: string };
}

const API_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const MAX_REQUESTS = Number(process.env.BENCH_MAX_REQUESTS ?? 50_000);
const DISPATCHES = Number(process.env.BENCH_DISPATCHES ?? 100);
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 1000);
const FANOUT_ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? 20);
const PROVISIONS = Number(process.env.BENCH_PROVISIONS ?? 5);
const WAKES = Number(process.env.BENCH_WAKES ?? 10);
const LIST_CLUSTERS = Number(process.env.BENCH_LIST_CLUSTERS ?? 10_000);
const LIST_PAGES = Number(process.env.BENCH_LIST_PAGES ?? 100);
const BACKUP_MB = Number(process.env.BENCH_BACKUP_MB ?? 1024);
const BACKUP_ROUNDS = Number(process.env.BENCH_BACKUP_ROUNDS ?? 2);
const RATE_LIMIT_SAMPLES = Number(process.env.BENCH_RATE_LIMIT_SAMPLES ?? 500);
const only = new Set((process.env.BENCH_ONLY ?? 'api,dispatch,fanout,provisioning,wake,list,backups,metrics,sql,logs').split(','));

const out = (line = '') => process.stdout.write(`${line}\n`);
const pad = (s: string | number, n: number) => String(s).padStart(n);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(name: string, ms: number[], target: string): void {
  out(`${name.padEnd(44)} n=${pad(ms.length, 6)}  p50 ${pad(percentile(ms, 50).toFixed(1), 7)} ms  p99 ${pad(percentile(ms, 99).toFixed(1), 7)} ms  max ${pad(Math.max(...ms).toFixed(1), 7)} ms   ${target}`);
}

interface Session {
  token: string;
  orgId: string;
}

async function api<T>(stack: Stack, method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function signUp(stack: Stack): Promise<Session> {
  const res = await api<{ access_token: string; organization: { id: string } }>(stack, 'POST', '/v1/auth/register', null, {
    email: `bench-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`,
    password: 'benchmark password',
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status}`);
  // Benchmarks create many clusters: lift the plan's limits straight in the catalog.
  const client = new pg.Client({ connectionString: stack.catalog.databaseUrl });
  await client.connect();
  await client.query("update organizations set plan = 'enterprise' where id = $1", [res.body.organization.id]);
  await client.end();
  return { token: res.body.access_token, orgId: res.body.organization.id };
}

async function benchApi(stack: Stack, session: Session): Promise<void> {
  out(`\napi: ${CONNECTIONS} connections, ${API_SECONDS}s per route, at most ${MAX_REQUESTS} requests per route`);
  const run = async (name: string, path: string, auth: boolean, token = session.token) => {
    const r = await autocannon({
      url: `${stack.url}${path}`,
      headers: auth ? { authorization: `Bearer ${token}` } : {},
      connections: CONNECTIONS,
      duration: API_SECONDS,
      maxOverallRequests: MAX_REQUESTS,
    });
    return { name, p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, n: r.requests.total, bad: r.non2xx + r.errors + r.timeouts };
  };
  await autocannon({ url: `${stack.url}/v1/health`, connections: 2, amount: 200 });
  const key = await api<{ secret: string }>(stack, 'POST', '/v1/api-keys', session.token, { name: 'bench', role: 'viewer' });
  if (key.status !== 201) throw new Error(`API key creation failed: ${key.status}`);
  // The bare route with a Bearer token runs the whole authentication (token check, revocation lookup) and nothing
  // else: what authenticating costs, apart from the one catalog read each authenticated route makes.
  const rows = [
    await run('GET /v1/health (bare)', '/v1/health', false),
    await run('GET /v1/health + Bearer', '/v1/health', true),
    await run('GET /v1/auth/me', '/v1/auth/me', true),
    await run('GET /v1/projects', '/v1/projects', true),
    await run('GET /v1/health + API key', '/v1/health', true, key.body.secret),
    await run('GET /v1/projects + API key', '/v1/projects', true, key.body.secret),
  ];
  const base = rows[0]!;
  out(`${'route'.padEnd(26)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('req/s', 10)}${pad('requests', 10)}${pad('non-2xx', 9)}${pad('p50 x', 8)}${pad('p99 x', 8)}`);
  for (const r of rows) {
    out(`${r.name.padEnd(26)}${pad(r.p50, 9)}${pad(r.p99, 9)}${pad(r.rps.toFixed(0), 10)}${pad(r.n, 10)}${pad(r.bad, 9)}${pad((r.p50 / Math.max(base.p50, 0.01)).toFixed(2), 8)}${pad((r.p99 / Math.max(base.p99, 0.01)).toFixed(2), 8)}`);
  }
  const ratio = (r: (typeof rows)[number]) => r.p50 / Math.max(base.p50, 0.01);
  out(`authentication alone, p50 vs bare route: ${ratio(rows[1]!).toFixed(2)}x`);
  out(`authenticated reads, p50 vs bare route: ${Math.max(ratio(rows[2]!), ratio(rows[3]!)).toFixed(2)}x (target <= 1.5x)`);
  out(`API key, p50 vs bare route: ${ratio(rows[4]!).toFixed(2)}x alone, ${ratio(rows[5]!).toFixed(2)}x reading projects (session token: ${ratio(rows[1]!).toFixed(2)}x, ${ratio(rows[3]!).toFixed(2)}x)`);
  await benchRateLimit(stack, session, base.p50);
}

/**
 * What the API-wide rate limit adds to a request: its own time, as the Worker reports it in Server-Timing. The
 * Workers runtime's clock moves in whole milliseconds, so the figures are whole milliseconds too (mean printed as well).
 */
async function benchRateLimit(stack: Stack, session: Session, bareP50: number): Promise<void> {
  const timings = { anonymous: [] as number[], user: [] as number[] };
  for (let i = 0; i < RATE_LIMIT_SAMPLES; i += 1) {
    for (const kind of ['anonymous', 'user'] as const) {
      const res = await fetch(`${stack.url}/v1/health`, { headers: kind === 'user' ? { authorization: `Bearer ${session.token}` } : {} });
      await res.arrayBuffer();
      const dur = /ratelimit;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1];
      if (!res.headers.get('ratelimit') || dur === undefined) throw new Error('a response without the rate limit headers');
      timings[kind].push(Number(dur));
    }
  }
  summary('rate limit, anonymous (per address)', timings.anonymous, `${(percentile(timings.anonymous, 50) / Math.max(bareP50, 0.01) * 100).toFixed(0)}% of the bare route's p50`);
  summary('rate limit, signed-in user (plan cached)', timings.user, `${(percentile(timings.user, 50) / Math.max(bareP50, 0.01) * 100).toFixed(0)}% of the bare route's p50`);
  const mean = (ms: number[]) => (ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(2);
  out(`rate limit, mean per request: ${mean(timings.anonymous)} ms anonymous, ${mean(timings.user)} ms signed in`);
}

async function probeRegion(stack: Stack, session: Session) {
  const region = await api<{ region: { id: string }; registration_token: string }>(stack, 'POST', '/v1/regions', session.token, {
    name: `bench-${Date.now().toString(36)}`,
    provider: 'onprem',
    driver: 'local',
  });
  if (region.status !== 201) throw new Error(`region creation failed: ${region.status} ${JSON.stringify(region.body)}`);
  return startProbeAgent(stack.url, region.body.registration_token);
}

async function benchDispatch(stack: Stack, session: Session): Promise<string> {
  const probe = await probeRegion(stack, session);
  const latencies: number[] = [];
  let lastCluster = '';
  for (let i = 0; i < DISPATCHES; i++) {
    const started = performance.now();
    const res = await api<{ cluster: { id: string } }>(stack, 'POST', '/v1/clusters', session.token, { name: `dispatch-${i}`, region_id: probe.regionId });
    if (res.status !== 202) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    const { at } = await probe.nextCommand(res.body.cluster.id);
    latencies.push(at - started);
    lastCluster = res.body.cluster.id;
  }
  out();
  summary('dispatch: API call -> agent has it', latencies, '(target p99 < 50 ms)');
  await benchFanout(stack, session, probe, lastCluster);
  await probe.close();
  return lastCluster;
}

/**
 * SOCKETS realtime sockets subscribed to one cluster, and FANOUT_ROUNDS status reports from its agent: report ->
 * each socket. Two passes: sockets that offer permessage-deflate, as browsers do (the runtime then compresses every
 * frame once per socket, and each client inflates it), and sockets that do not, as a CLI may choose. Both ends of
 * every socket share this machine's cores, so the first pass also bills 1,000 clients' inflating to the fan-out.
 */
async function benchFanout(stack: Stack, session: Session, probe: Awaited<ReturnType<typeof startProbeAgent>>, clusterId: string): Promise<void> {
  if (!only.has('fanout')) return;
  // The first report moves the cluster from provisioning to running, which also publishes an event and the
  // operation's end. It is applied unmeasured, so every measured round is the same steady-state report.
  probe.report({ cluster_id: clusterId, observed_generation: 1, phase: 'running', ready_instances: 1, instances: 1, endpoint: { host: '127.0.0.1', port: 5999 }, message: 'warm-up' });
  await new Promise((r) => setTimeout(r, 1000));
  for (const deflate of [true, false]) await fanoutPass(stack, session, probe, clusterId, deflate);
}

async function fanoutPass(stack: Stack, session: Session, probe: Awaited<ReturnType<typeof startProbeAgent>>, clusterId: string, deflate: boolean): Promise<void> {
  const label = deflate ? 'permessage-deflate' : 'uncompressed';
  const sockets: WebSocket[] = [];
  let sentAt = 0;
  let expected = 0;
  const latencies: number[] = [];
  const firsts: number[] = [];
  let roundDone: (() => void) | null = null;
  let received = 0;
  // The frames of the round, read after it: the clients share the stack's two cores, and parsing each frame as it
  // lands would bill the bench's own work to the sockets after it.
  let frames: Buffer[] = [];
  const wsUrl = `${stack.url.replace(/^http/, 'ws')}/v1/realtime?org_id=${session.orgId}`;
  for (let i = 0; i < SOCKETS; i++) {
    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${session.token}` }, perMessageDeflate: deflate });
    ws.on('message', (data: Buffer) => {
      if (expected === 0) return;
      const at = performance.now();
      if (!data.includes('"type":"cluster.status"')) return;
      latencies.push(at - sentAt);
      if (received === 0) firsts.push(at - sentAt);
      frames.push(data);
      received += 1;
      if (received === expected) roundDone?.();
    });
    sockets.push(ws);
  }
  await Promise.all(sockets.map((ws) => new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); })));
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          const onMessage = (data: Buffer) => {
            if ((JSON.parse(data.toString()) as { type: string }).type === 'subscribed') {
              ws.off('message', onMessage);
              resolve();
            }
          };
          ws.on('message', onMessage);
          ws.send(JSON.stringify({ type: 'subscribe', channels: [`cluster:${clusterId}`] }));
        }),
    ),
  );
  const negotiated = sockets[0]?.extensions ?? '';
  if (negotiated.includes('permessage-deflate') !== deflate) throw new Error(`fan-out (${label}): the sockets negotiated "${negotiated}"`);
  for (let round = 0; round < FANOUT_ROUNDS; round++) {
    received = 0;
    frames = [];
    expected = SOCKETS;
    const done = new Promise<void>((resolve, reject) => {
      roundDone = resolve;
      setTimeout(() => reject(new Error(`fan-out round ${round}: ${received}/${SOCKETS} sockets heard within 10 s`)), 10_000);
    });
    const message = `${label} round ${round}`;
    sentAt = performance.now();
    probe.report({ cluster_id: clusterId, observed_generation: 1, phase: 'running', ready_instances: 1, instances: 1, endpoint: { host: '127.0.0.1', port: 5999 }, message });
    await done;
    expected = 0;
    for (const frame of frames) {
      const parsed = JSON.parse(frame.toString()) as { channel: string; cluster: { status_message: string | null } };
      if (parsed.channel !== `cluster:${clusterId}` || parsed.cluster.status_message !== message) {
        throw new Error(`fan-out ${message}: a socket received ${frame.toString().slice(0, 200)}`);
      }
    }
  }
  summary(`fanout, ${label}: first of ${SOCKETS}`, firsts, '');
  summary(`fanout, ${label}: ${SOCKETS} sockets`, latencies, '(target p99 < 50 ms)');
  for (const ws of sockets) ws.close();
  await Promise.all(sockets.map((ws) => (ws.readyState === WebSocket.CLOSED ? null : new Promise((r) => ws.once('close', r)))));
}

async function benchProvisioning(stack: Stack, session: Session): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < PROVISIONS; i++) {
    const started = performance.now();
    const res = await api<{ cluster: { id: string } }>(stack, 'POST', '/v1/clusters', session.token, {
      name: `provision-${i}`,
      region_id: stack.localRegionId,
      password: 'benchmark-password-1',
    });
    if (res.status !== 202) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    const id = res.body.cluster.id;
    await acceptsSql(stack, session, id, 'benchmark-password-1');
    times.push(performance.now() - started);
    await api(stack, 'DELETE', `/v1/clusters/${id}`, session.token);
  }
  summary('provisioning: create -> accepts SQL', times, '(target < 1000 ms)');
}

/**
 * Resolves once the cluster accepts SQL with its password: its endpoint as the API reports it (null while it is
 * provisioning or asleep), then a fresh connection and a query, retried until one succeeds. Resolves to when the
 * endpoint was first seen (performance.now()).
 */
async function acceptsSql(stack: Stack, session: Session, id: string, password: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let endpoint: { host: string; port: number } | null = null;
  while (!endpoint && Date.now() < deadline) {
    endpoint = (await api<{ cluster: { endpoint: { host: string; port: number } | null } }>(stack, 'GET', `/v1/clusters/${id}`, session.token)).body.cluster.endpoint;
    if (!endpoint) await new Promise((r) => setTimeout(r, 10));
  }
  if (!endpoint) throw new Error(`cluster ${id} got no endpoint within ${timeoutMs} ms`);
  const endpointAt = performance.now();
  while (Date.now() < deadline) {
    const client = new pg.Client({ host: endpoint.host, port: endpoint.port, user: 'app', password, database: 'app' });
    try {
      await client.connect();
      await client.query('select 1');
      return endpointAt;
    } catch {
      await new Promise((r) => setTimeout(r, 10));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`cluster ${id} did not accept SQL within ${timeoutMs} ms`);
}

async function operationFinished(stack: Stack, session: Session, operationId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { operation } = (await api<{ operation: { status: string; error: string | null } }>(stack, 'GET', `/v1/operations/${operationId}`, session.token)).body;
    if (operation.status === 'finished') return;
    if (operation.status === 'failed' || operation.status === 'cancelled') throw new Error(`operation ${operationId} ${operation.status}: ${operation.error}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`operation ${operationId} did not finish within ${timeoutMs} ms`);
}

/**
 * One cluster on the local driver, put to sleep and woken WAKES times. Each cycle waits for the sleep to finish
 * (the server stopped, its data kept), then times the wake: the POST -> a fresh connection with the cluster's
 * password answers a query, the moment a user's application would be back.
 */
async function benchWake(stack: Stack, session: Session): Promise<void> {
  const password = 'benchmark-password-1';
  const created = await api<{ cluster: { id: string } }>(stack, 'POST', '/v1/clusters', session.token, { name: 'wake-bench', region_id: stack.localRegionId, password });
  if (created.status !== 202) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.cluster.id;
  await acceptsSql(stack, session, id, password);
  const times: number[] = [];
  const answered: number[] = [];
  const reported: number[] = [];
  for (let i = 0; i < WAKES; i++) {
    const slept = await api<{ operation: { id: string } }>(stack, 'POST', `/v1/clusters/${id}/sleep`, session.token);
    if (slept.status !== 202) throw new Error(`sleep failed: ${slept.status} ${JSON.stringify(slept.body)}`);
    await operationFinished(stack, session, slept.body.operation.id);
    const started = performance.now();
    const woke = await api<{ operation: { id: string } }>(stack, 'POST', `/v1/clusters/${id}/wake`, session.token);
    if (woke.status !== 202) throw new Error(`wake failed: ${woke.status} ${JSON.stringify(woke.body)}`);
    answered.push(performance.now() - started);
    reported.push((await acceptsSql(stack, session, id, password)) - started);
    times.push(performance.now() - started);
    // The next sleep would be refused while the wake is still in flight.
    await operationFinished(stack, session, woke.body.operation.id);
  }
  summary('wake: POST -> 202', answered, '');
  summary('wake: POST -> the API shows the endpoint', reported, '');
  summary('wake: POST -> accepts SQL', times, '(target < 500 ms)');
  await api(stack, 'DELETE', `/v1/clusters/${id}`, session.token);
}

/**
 * An organization with LIST_CLUSTERS clusters (written straight into the catalog: creating them through the API
 * would measure provisioning), then the pages the dashboard asks for: 24 at a time by cursor, a status filter, a
 * name search, and the dashboard's summary. The bare route of the same Worker, timed the same way, is the baseline.
 */
async function benchList(stack: Stack): Promise<void> {
  const session = await signUp(stack);
  const client = new pg.Client({ connectionString: stack.catalog.databaseUrl });
  await client.connect();
  const started = performance.now();
  try {
    const { rows } = await client.query<{ id: string }>('select id from projects where org_id = $1 order by id limit 1', [session.orgId]);
    const projectId = rows[0]!.id;
    const regionId = newId('rg');
    await client.query("insert into regions (id, org_id, name, provider, driver, visibility, status) values ($1, $2, 'bench-list', 'onprem', 'local', 'org', 'online')", [regionId, session.orgId]);
    const statuses = ['running', 'running', 'running', 'sleeping', 'provisioning', 'failed'];
    for (let done = 0; done < LIST_CLUSTERS; done += 1000) {
      const n = Math.min(1000, LIST_CLUSTERS - done);
      const ids = Array.from({ length: n }, () => newId('cl'));
      const names = ids.map((_, i) => `db-${done + i}`);
      const status = ids.map((_, i) => statuses[(done + i) % statuses.length]!);
      await client.query(
        `insert into clusters (id, org_id, project_id, region_id, name, engine, version, tier, size, instances, storage_gb, status)
         select id, $1, $2, $3, name, 'postgres', '17', 'dedicated', 'dev', 1, 10, status from unnest($4::text[], $5::text[], $6::text[]) as t(id, name, status)`,
        [session.orgId, projectId, regionId, ids, names, status],
      );
    }
    await client.query('analyze clusters');
  } finally {
    await client.end();
  }
  out(`\nlist: ${LIST_CLUSTERS.toLocaleString('en')} clusters in one organization (seeded in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  const timed = async (path: string, token: string | null) => {
    const t = performance.now();
    const res = await api<{ data?: unknown[]; next_cursor?: string | null }>(stack, 'GET', path, token);
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    return { ms: performance.now() - t, body: res.body };
  };
  const bare: number[] = [];
  for (let i = 0; i < LIST_PAGES; i++) bare.push((await timed('/v1/health', null)).ms);
  const pages: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < LIST_PAGES; i++) {
    const page = await timed(`/v1/clusters?org_id=${session.orgId}&limit=24${cursor ? `&cursor=${cursor}` : ''}`, session.token);
    pages.push(page.ms);
    cursor = page.body.next_cursor ?? null;
    if (!cursor) break;
  }
  const filtered: number[] = [];
  const searched: number[] = [];
  const summaries: number[] = [];
  for (let i = 0; i < 20; i++) {
    filtered.push((await timed(`/v1/clusters?org_id=${session.orgId}&limit=24&status=sleeping`, session.token)).ms);
    searched.push((await timed(`/v1/clusters?org_id=${session.orgId}&limit=24&search=db-99`, session.token)).ms);
    summaries.push((await timed(`/v1/organizations/${session.orgId}/summary`, session.token)).ms);
  }
  summary('bare route (baseline)', bare, '');
  summary(`list: ${pages.length} pages of 24 by cursor`, pages, `(target < 50 ms a page; ${(percentile(pages, 50) / percentile(bare, 50)).toFixed(2)}x bare at p50)`);
  summary('list: status filter, first page', filtered, '');
  summary('list: name search, first page', searched, '');
  summary('summary: counts over the org', summaries, '');
}

/**
 * A cluster filled to BACKUP_MB of table data (md5 text: it compresses about as much as real rows do), then, in
 * alternating rounds, a plain pg_basebackup of it to local disk (tar, WAL fetched, fast checkpoint: what our backup
 * runs) and Back up now through the API, timed from the POST to the operation's end. Then a branch at a time just
 * after a write, timed from the POST to a fresh connection answering with that write.
 */
async function benchBackups(stack: Stack, session: Session, dataDir: string): Promise<void> {
  const password = 'benchmark-password-1';
  const installation = chooseInstallation(await findNativeInstallations(), '');
  if (!installation) {
    out('\nbackups: skipped, no native PostgreSQL here (PGlite clusters take full backups only)');
    return;
  }
  const created = await api<{ cluster: { id: string } }>(stack, 'POST', '/v1/clusters', session.token, { name: 'backup-bench', region_id: stack.localRegionId, password });
  if (created.status !== 202) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.cluster.id;
  await acceptsSql(stack, session, id, password);
  const { endpoint } = (await api<{ cluster: { endpoint: { host: string; port: number } } }>(stack, 'GET', `/v1/clusters/${id}`, session.token)).body.cluster;
  const db = new pg.Client({ host: endpoint.host, port: endpoint.port, user: 'app', password, database: 'app' });
  await db.connect();
  const loadStarted = performance.now();
  await db.query('create table filler (id bigint, pad text)');
  // A million rows is about 100 MB; bounded by count and by ten minutes.
  for (let batch = 0; batch < 64 && performance.now() - loadStarted < 600_000; batch++) {
    const { rows } = await db.query<{ mb: number }>('select pg_database_size(current_database()) / 1048576 as mb');
    if (Number(rows[0]!.mb) >= BACKUP_MB) break;
    await db.query('insert into filler select g, md5(g::text) || md5((g * 7)::text) from generate_series($1::bigint, $1::bigint + 999999) g', [batch * 1_000_000]);
  }
  await db.query('checkpoint').catch(() => undefined);
  const sizeMb = Number((await db.query<{ mb: number }>('select pg_database_size(current_database()) / 1048576 as mb')).rows[0]!.mb);
  out(`\nbackups: a ${sizeMb} MB database (loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s), ${BACKUP_ROUNDS} rounds each`);

  const user = await serverUser();
  const socketDir = socketDirectory(join(dataDir, 'agent'), id);
  const baseline: number[] = [];
  const ours: number[] = [];
  let stored = 0;
  for (let round = 0; round < BACKUP_ROUNDS; round++) {
    const target = await mkdtemp(join(tmpdir(), 'orochi-bench-basebackup-'));
    await chownToServerUser(user, target);
    try {
      const command = commandAs(user, join(installation.binDir, 'pg_basebackup'), ['-D', target, '-F', 't', '-X', 'fetch', '--checkpoint=fast', '-h', socketDir, '-p', String(endpoint.port), '-U', 'postgres', '--no-password']);
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        const child = spawn(command.file, command.args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: '/' });
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_basebackup failed (${code}): ${stderr.trim()}`))));
      });
      baseline.push(performance.now() - started);
    } finally {
      await removeDataDir(target);
    }
    const started = performance.now();
    const backup = await api<{ operation: { id: string }; backup: { id: string } }>(stack, 'POST', `/v1/clusters/${id}/backups`, session.token);
    if (backup.status !== 202) throw new Error(`backup failed: ${backup.status} ${JSON.stringify(backup.body)}`);
    await operationFinished(stack, session, backup.body.operation.id, 600_000);
    ours.push(performance.now() - started);
    stored = (await api<{ backup: { size_bytes: number } }>(stack, 'GET', `/v1/backups/${backup.body.backup.id}`, session.token)).body.backup.size_bytes;
  }
  const mbps = (ms: number[]) => (sizeMb / (percentile(ms, 50) / 1000)).toFixed(0);
  summary('backups: pg_basebackup to local disk (baseline)', baseline, `${mbps(baseline)} MB/s`);
  summary('backups: back up now -> stored, operation done', ours, `${mbps(ours)} MB/s, ${(stored / 1048576).toFixed(0)} MB stored (target <= 1.5x: ${(percentile(ours, 50) / percentile(baseline, 50)).toFixed(2)}x)`);
  const floor = await objectStoreFloor(stored);
  summary('backups: the embedded store alone, same bytes in', [floor.putMs], `${(stored / 1048576 / (floor.putMs / 1000)).toFixed(0)} MB/s (back up now is ${(percentile(ours, 50) / floor.putMs).toFixed(2)}x this)`);
  summary('backups: the embedded store alone, same bytes out', [floor.getMs], `${(stored / 1048576 / (floor.getMs / 1000)).toFixed(0)} MB/s`);

  // A branch at a point in time: just after a marked write, with more writes after it that it must not hold.
  await db.query("create table marks (note text); insert into marks values ('before')");
  await new Promise((r) => setTimeout(r, 1100));
  const at = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 1100));
  await db.query("insert into marks values ('after')");
  await db.end();
  const started = performance.now();
  const branch = await api<{ cluster: { id: string } }>(stack, 'POST', '/v1/clusters', session.token, { name: 'backup-bench-branch', password, source: { cluster_id: id, target_time: at } });
  if (branch.status !== 202) throw new Error(`branch failed: ${branch.status} ${JSON.stringify(branch.body)}`);
  await acceptsSql(stack, session, branch.body.cluster.id, password, 600_000);
  const branchMs = performance.now() - started;
  const branchEndpoint = (await api<{ cluster: { endpoint: { host: string; port: number } } }>(stack, 'GET', `/v1/clusters/${branch.body.cluster.id}`, session.token)).body.cluster.endpoint;
  const check = new pg.Client({ host: branchEndpoint.host, port: branchEndpoint.port, user: 'app', password, database: 'app' });
  await check.connect();
  const marks = (await check.query<{ note: string }>('select note from marks order by note')).rows.map((row) => row.note);
  await check.end();
  summary(`backups: branch of ${sizeMb} MB at a time -> accepts SQL`, [branchMs], `(target < 10000 ms; it holds ${JSON.stringify(marks)})`);
  const events = (await api<{ data: Array<{ type: string; message: string }> }>(stack, 'GET', `/v1/clusters/${branch.body.cluster.id}/events?limit=100`, session.token)).body.data;
  out(`  ${events.find((event) => event.type === 'restored')?.message ?? 'no restored event'}`);
  await api(stack, 'DELETE', `/v1/clusters/${branch.body.cluster.id}?purge_backups=true`, session.token);
  await api(stack, 'DELETE', `/v1/clusters/${id}?purge_backups=true`, session.token);
}

/**
 * What the embedded S3-compatible server takes and gives by itself: the same number of bytes as the backup stored,
 * incompressible, put and read back with the agent's own client, on a server of its own started for this.
 */
async function objectStoreFloor(bytes: number): Promise<{ putMs: number; getMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'orochi-bench-store-'));
  const server = await startObjectStore({ dataDir: dir });
  const store = new ObjectStore(embeddedStoreConfig(server));
  try {
    const chunk = randomBytes(1024 * 1024);
    let sent = 0;
    const body = new Readable({
      read() {
        const next = Math.min(chunk.length, bytes - sent);
        sent += next;
        this.push(next > 0 ? chunk.subarray(0, next) : null);
      },
    });
    let started = performance.now();
    await store.put('floor/object', body, {});
    const putMs = performance.now() - started;
    started = performance.now();
    for await (const piece of (await store.get('floor/object')).body) void piece;
    return { putMs, getMs: performance.now() - started };
  } finally {
    store.close();
    await server.stop();
    await removeDataDir(dir);
  }
}

/**
 * The stack runs as its own process, as `npm start` runs it, so the catalog's work and the load generator's
 * never share an event loop (that would measure one against the other).
 */
async function startStackProcess(dataDir: string, port: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'start.ts')], {
    // Rate limits x1000: every request still takes from its bucket, but thousands a second from one user are not refused.
    env: { ...process.env, OROCHI_DATA_DIR: dataDir, PORT: String(port), WRANGLER_LOG: 'warn', RATE_LIMIT_SCALE: process.env.RATE_LIMIT_SCALE ?? '1000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stack = await new Promise<Stack>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('the local stack did not start within 120 s')), 120_000);
    child.once('exit', (code) => reject(new Error(`the local stack exited with code ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const region = /region {5}local \((rg_[0-9a-z]+)\)/.exec(text);
      const catalog = /catalog {4}(postgres:\/\/\S+)/.exec(text);
      if (region && catalog && text.includes('press Ctrl-C')) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, localRegionId: region[1]!, catalog: { databaseUrl: catalog[1]! } });
      }
    });
  });
  child.stdout!.resume();
  return {
    stack,
    async stop() {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function benchObservability(stack: Stack, session: Session): Promise<void> {
  const ctx: BenchContext = {
    url: stack.url,
    catalogUrl: stack.catalog.databaseUrl,
    token: session.token,
    orgId: session.orgId,
    out,
    summary,
    percentile,
    api: (method, path, body) => api(stack, method, path, session.token, body),
    probeRegion: () => probeRegion(stack, session),
    async runningCluster(name, password) {
      const created = await api<{ cluster: { id: string } }>(stack, 'POST', '/v1/clusters', session.token, { name, region_id: stack.localRegionId, password });
      if (created.status !== 202) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
      const id = created.body.cluster.id;
      await acceptsSql(stack, session, id, password);
      const { endpoint } = (await api<{ cluster: { endpoint: { host: string; port: number } } }>(stack, 'GET', `/v1/clusters/${id}`, session.token)).body.cluster;
      return { id, endpoint };
    },
  };
  if (only.has('metrics')) await benchMetricsIngest(ctx);
  if (only.has('sql') || only.has('logs')) {
    const password = 'benchmark-password-1';
    const cluster = await ctx.runningCluster('observability-bench', password);
    if (only.has('sql')) await benchSqlRoundTrip(ctx, cluster, password);
    if (only.has('logs')) await benchLogLines(ctx, cluster, password);
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'orochi-bench-'));
  const port = 18787 + Math.floor(Math.random() * 1000);
  const running = await startStackProcess(dataDir, port);
  const stack = running.stack;
  try {
    out(`bench: local stack at ${stack.url}`);
    const session = await signUp(stack);
    if (only.has('api')) await benchApi(stack, session);
    if (only.has('dispatch') || only.has('fanout')) await benchDispatch(stack, session);
    if (only.has('provisioning')) await benchProvisioning(stack, session);
    if (only.has('wake')) await benchWake(stack, session);
    if (only.has('list')) await benchList(stack);
    if (only.has('backups')) await benchBackups(stack, session, dataDir);
    if (only.has('metrics') || only.has('sql') || only.has('logs')) await benchObservability(stack, session);
  } finally {
    await running.stop();
    await removeDataDir(dataDir);
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
