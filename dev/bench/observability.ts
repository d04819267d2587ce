// The observability sections of `npm run bench`:
//   metrics  1,000 clusters' samples through one region's RegionDO into their ClusterDOs, at the agents' real pace
//            (every 10 s) and then faster, to find where reports start to lag; workerd's CPU per report
//   sql      `select 1` through POST /v1/clusters/{id}/query beside the same statement on a direct connection to the
//            same server, interleaved (target: < 20 ms added at p50)
//   logs     a `RAISE LOG` line -> a subscribed realtime socket (target: p99 < 1 s)
// Every loop is bounded in count and time.
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import WebSocket from 'ws';
import { newId } from '../../protocol/ids.ts';
import type { MetricValues } from '../../protocol/observability.ts';
import type { ProbeAgent } from './probe-agent.ts';

export interface BenchContext {
  url: string;
  catalogUrl: string;
  token: string;
  orgId: string;
  out(line?: string): void;
  summary(name: string, ms: number[], target: string): void;
  percentile(values: number[], p: number): number;
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  probeRegion(): Promise<ProbeAgent>;
  /** A new cluster on the local region, once it accepts SQL with the password. */
  runningCluster(name: string, password: string): Promise<{ id: string; endpoint: { host: string; port: number } }>;
}

const METRICS_CLUSTERS = Number(process.env.BENCH_METRICS_CLUSTERS ?? 1000);
const METRICS_ROUNDS = Number(process.env.BENCH_METRICS_ROUNDS ?? 3);
const SQL_QUERIES = Number(process.env.BENCH_SQL_QUERIES ?? 300);
const LOG_LINES = Number(process.env.BENCH_LOG_LINES ?? 100);
/** Clusters whose samples are followed on realtime sockets to time each report end to end. */
const WATCHED = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) of every workerd process on the machine: the bench's stack is the only one running. */
function workerdCpuSeconds(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workerd')) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return ticks / 100;
}

function realtimeSocket(ctx: BenchContext): Promise<WebSocket> {
  const ws = new WebSocket(`${ctx.url.replace(/^http/, 'ws')}/v1/realtime?org_id=${ctx.orgId}`, { headers: { authorization: `Bearer ${ctx.token}` } });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function subscribe(ws: WebSocket, channels: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to subscribing ${channels.join(', ')} within 10 s`)), 10_000);
    const onMessage = (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; message?: string };
      if (message.type === 'subscribed' || message.type === 'error') {
        clearTimeout(timer);
        ws.off('message', onMessage);
        if (message.type === 'error') reject(new Error(`subscribe refused: ${message.message}`));
        else resolve();
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'subscribe', channels }));
  });
}

function sample(i: number): MetricValues {
  return {
    cpu_percent: (i % 100) / 2,
    memory_bytes: 64 * 1024 * 1024 + i,
    connections_active: i % 7,
    connections_idle: i % 5,
    connections_max: 100,
    transactions_per_second: i % 300,
    cache_hit_ratio: 0.99,
    database_size_bytes: 8 * 1024 * 1024,
  };
}

/**
 * METRICS_CLUSTERS clusters of a measuring agent's region (seeded straight into the catalog, running), each sending a
 * sample per round, spread evenly over the round. Rounds of 10 s are the agents' real pace; shorter rounds stand for
 * proportionally more clusters. WATCHED of them are followed on `metrics:` channels, timing report -> subscriber.
 */
export async function benchMetricsIngest(ctx: BenchContext): Promise<void> {
  const probe = await ctx.probeRegion();
  const catalog = new pg.Client({ connectionString: ctx.catalogUrl });
  await catalog.connect();
  const ids = Array.from({ length: METRICS_CLUSTERS }, () => newId('cl'));
  try {
    const { rows } = await catalog.query<{ id: string }>('select id from projects where org_id = $1 order by id limit 1', [ctx.orgId]);
    await catalog.query(
      `insert into clusters (id, org_id, project_id, region_id, name, engine, version, tier, size, instances, storage_gb, status)
       select id, $1, $2, $3, 'metrics-' || ord, 'postgres', '17', 'dedicated', 'dev', 1, 10, 'running'
       from unnest($4::text[]) with ordinality as t(id, ord)`,
      [ctx.orgId, rows[0]!.id, probe.regionId, ids],
    );
  } finally {
    await catalog.end();
  }
  const send = (i: number) => probe.send({ type: 'metrics', cluster_id: ids[i]!, at: new Date().toISOString(), values: sample(i) });

  // Warm-up: each ClusterDO reads its cluster from the catalog once, on its first report.
  for (let i = 0; i < ids.length; i++) send(i);
  await sleep(5_000);

  const watchedIndexes = Array.from({ length: WATCHED }, (_, k) => Math.floor((k * ids.length) / WATCHED));
  const ws = await realtimeSocket(ctx);
  await subscribe(ws, watchedIndexes.map((i) => `metrics:${ids[i]}`));
  const sentAt = new Map<string, number>();
  const lags: number[] = [];
  ws.on('message', (data: Buffer) => {
    const at = performance.now();
    const message = JSON.parse(data.toString()) as { type: string; cluster_id?: string };
    if (message.type !== 'metrics.update' || !message.cluster_id) return;
    const sent = sentAt.get(message.cluster_id);
    if (sent === undefined) return;
    sentAt.delete(message.cluster_id);
    lags.push(at - sent);
  });
  const watched = new Set(watchedIndexes);

  ctx.out(`\nmetrics: ${ids.length} clusters reporting through one region, ${METRICS_ROUNDS} rounds per pace`);
  ctx.out(`${'round'.padEnd(8)}${'reports/s'.padStart(11)}${'clusters at 10 s'.padStart(18)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'heard'.padStart(8)}${'CPU ms/report'.padStart(15)}`);
  let carried = 0;
  for (const roundMs of [10_000, 5_000, 2_000, 1_000, 500]) {
    lags.length = 0;
    sentAt.clear();
    const cpuBefore = workerdCpuSeconds();
    const started = performance.now();
    for (let round = 0; round < METRICS_ROUNDS; round++) {
      const roundStart = started + round * roundMs;
      for (let i = 0; i < ids.length; i++) {
        const due = roundStart + (i * roundMs) / ids.length;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        if (watched.has(i)) sentAt.set(ids[i]!, performance.now());
        send(i);
      }
    }
    // Let the last reports land (bounded), then read the figures of this pace.
    const drainUntil = performance.now() + 5_000;
    while (sentAt.size > 0 && performance.now() < drainUntil) await sleep(20);
    const cpuMs = ((workerdCpuSeconds() - cpuBefore) * 1000) / (ids.length * METRICS_ROUNDS);
    const expected = WATCHED * METRICS_ROUNDS;
    const p99 = ctx.percentile(lags, 99);
    const rate = (ids.length * 1000) / roundMs;
    ctx.out(
      `${`${roundMs / 1000} s`.padEnd(8)}${rate.toFixed(0).padStart(11)}${(rate * 10).toFixed(0).padStart(18)}${ctx.percentile(lags, 50).toFixed(1).padStart(9)}${p99.toFixed(1).padStart(9)}${`${lags.length}/${expected}`.padStart(8)}${cpuMs.toFixed(2).padStart(15)}`,
    );
    // A pace is carried when every followed report arrived and the slowest stayed well inside one agent interval.
    if (lags.length < expected || p99 > 1_000) break;
    carried = rate * 10;
  }
  ctx.out(`metrics: one region carries about ${carried.toLocaleString('en')} clusters reporting every 10 s before reports lag (>1 s at p99, or lost)`);
  ws.close();
  await probe.close();
}

/** `select 1` through the API and on a direct connection, alternating, so both see the same machine at the same moment. */
export async function benchSqlRoundTrip(ctx: BenchContext, cluster: { id: string; endpoint: { host: string; port: number } }, password: string): Promise<void> {
  const direct = new pg.Client({ host: cluster.endpoint.host, port: cluster.endpoint.port, user: 'app', password, database: 'app' });
  await direct.connect();
  const viaApi: number[] = [];
  const directMs: number[] = [];
  try {
    for (let i = 0; i < SQL_QUERIES + 20; i++) {
      let t = performance.now();
      const res = await ctx.api<{ rows: unknown[][] }>('POST', `/v1/clusters/${cluster.id}/query`, { sql: 'select 1' });
      const apiMs = performance.now() - t;
      if (res.status !== 200) throw new Error(`query through the API failed: ${res.status} ${JSON.stringify(res.body)}`);
      t = performance.now();
      await direct.query('select 1');
      const ms = performance.now() - t;
      if (i < 20) continue; // warm-up: connections, the agent's pool, the type cache
      viaApi.push(apiMs);
      directMs.push(ms);
    }
  } finally {
    await direct.end();
  }
  ctx.out(`\nsql: select 1, ${SQL_QUERIES} each, alternating`);
  ctx.summary('sql: direct connection (baseline)', directMs, '');
  const added = ctx.percentile(viaApi, 50) - ctx.percentile(directMs, 50);
  ctx.summary('sql: POST /v1/clusters/{id}/query', viaApi, `(added at p50: ${added.toFixed(1)} ms; target < 20 ms)`);
}

/** A `RAISE LOG` line on a direct connection -> the `log.entry` frame naming it on a socket subscribed to `logs:`. */
export async function benchLogLines(ctx: BenchContext, cluster: { id: string; endpoint: { host: string; port: number } }, password: string): Promise<void> {
  const ws = await realtimeSocket(ctx);
  await subscribe(ws, [`logs:${cluster.id}`]);
  const waiting = new Map<string, (at: number) => void>();
  ws.on('message', (data: Buffer) => {
    const at = performance.now();
    const message = JSON.parse(data.toString()) as { type: string; message?: string };
    if (message.type !== 'log.entry' || !message.message) return;
    for (const [marker, resolve] of waiting) {
      if (message.message.includes(marker)) {
        waiting.delete(marker);
        resolve(at);
      }
    }
  });
  const db = new pg.Client({ host: cluster.endpoint.host, port: cluster.endpoint.port, user: 'app', password, database: 'app' });
  await db.connect();
  const latencies: number[] = [];
  let lost = 0;
  try {
    // The first subscriber starts the agent's tail: give it a moment, and a first line that is not timed.
    await sleep(1_000);
    for (let i = -1; i < LOG_LINES; i++) {
      const marker = `bench-log-${Date.now().toString(36)}-${i}`;
      const heard = new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(marker);
          resolve(null);
        }, 5_000);
        waiting.set(marker, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
      const started = performance.now();
      await db.query(`do $$ begin raise log '${marker}'; end $$`);
      const at = await heard;
      if (i < 0) continue;
      if (at === null) lost += 1;
      else latencies.push(at - started);
    }
  } finally {
    await db.end();
    ws.close();
  }
  ctx.out(`\nlogs: ${LOG_LINES} RAISE LOG lines -> a subscribed socket${lost ? ` (${lost} not heard within 5 s)` : ''}`);
  ctx.summary('logs: line -> subscriber', latencies, '(target p99 < 1000 ms)');
}
