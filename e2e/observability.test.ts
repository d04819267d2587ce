// Observability on the whole local stack, as a user drives it over HTTP and the realtime socket, against a real
// cluster of the local region's agent: metrics under a load the test makes (transactions per second, connections
// rising), by range and live; a RAISE LOG line reaching a `logs:` subscriber; the SQL editor's round trip with types,
// errors with SQLSTATE and position, a timeout and a cancel that end the backend, truncation at the row limit; the
// schema browser; query insights; the health history across a sleep and a wake; and the refusals.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNativeInstallations } from '../agent/drivers/local/native-binaries.ts';
import { removeDataDir, startStack, type Stack } from '../dev/stack.ts';
import { newId } from '../protocol/ids.ts';
import { sql, stackClient, type Session } from './stack-client.ts';

const hasNative = (await findNativeInstallations()).length > 0;
const run = hasNative || process.env.CI === 'true';
let stack: Stack;
let dataDir: string;
let client: ReturnType<typeof stackClient>;
let session: Session;
let cluster: { id: string; endpoint: { host: string; port: number } };
const logs: string[] = [];

const PASSWORD = 'observe-password-123';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const queryId = () => newId('rs').replace(/^rs_/, 'qr_');

beforeAll(async () => {
  if (!run) return;
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-e2e-observe-'));
  const port = 31787 + Math.floor(Math.random() * 1000);
  stack = await startStack({ dataDir, port, wranglerLogLevel: 'warn', output: (source, line) => logs.push(`[${source}] ${line}`) });
  client = stackClient(stack);
  session = await client.signUp();
  const created = await client.api('POST', '/v1/clusters', session.token, { name: 'observed', region_id: stack.localRegionId, password: PASSWORD });
  expect(created.status).toBe(202);
  cluster = await client.until(session, created.body.cluster.id, 'running', 120_000);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  if (dataDir) await removeDataDir(dataDir);
}, 60_000);

const query = (body: Record<string, unknown>, token = session.token) => client.api('POST', `/v1/clusters/${cluster.id}/query`, token, body);

describe.runIf(run)('observability on the local stack', () => {
  it('samples metrics under load: transactions per second above zero and connections rising, by range and live', async () => {
    const live = await client.subscribe(session, [`metrics:${cluster.id}`]);
    const held: pg.Client[] = [];
    try {
      await sql(cluster.endpoint, PASSWORD, 'create table load (id serial primary key, note text)');
      // Connections held open while a bounded write load runs: the next samples count them and the commits.
      for (let i = 0; i < 5; i++) {
        const c = new pg.Client({ host: cluster.endpoint.host, port: cluster.endpoint.port, user: 'app', password: PASSWORD, database: 'app' });
        await c.connect();
        held.push(c);
      }
      const loadUntil = Date.now() + 25_000;
      const first = await live.waitFor((m) => m.type === 'metrics.update', 30_000);
      let inserts = 0;
      let busy: any = null;
      while (Date.now() < loadUntil && inserts < 20_000 && !busy) {
        await held[inserts % held.length]!.query('insert into load (note) values ($1)', [`n${inserts}`]);
        inserts += 1;
        busy = live.messages.find((m) => m.type === 'metrics.update' && m.at > first.at && (m.values.transactions_per_second ?? 0) > 0);
      }
      busy ??= await live.waitFor((m) => m.type === 'metrics.update' && m.at > first.at && (m.values.transactions_per_second ?? 0) > 0, 15_000);
      expect(busy.values.transactions_per_second).toBeGreaterThan(0);
      const connections = (m: any) => (m.values.connections_active ?? 0) + (m.values.connections_idle ?? 0);
      expect(connections(busy)).toBeGreaterThanOrEqual(5);
      expect(busy.values.connections_max).toBeGreaterThan(0);
      expect(busy.values.database_size_bytes).toBeGreaterThan(0);

      const from = new Date(Date.now() - 10 * 60_000).toISOString();
      const to = new Date().toISOString();
      const range = await client.api('GET', `/v1/clusters/${cluster.id}/metrics?from=${from}&to=${to}&series=transactions_per_second,connections_active,connections_idle`, session.token);
      expect(range.status, JSON.stringify(range.body)).toBe(200);
      expect(range.body.step_seconds).toBeGreaterThanOrEqual(10);
      expect(range.body.timestamps.length).toBe(range.body.series.transactions_per_second.length);
      expect(Math.max(...range.body.series.transactions_per_second.filter((v: number | null) => v !== null))).toBeGreaterThan(0);
      expect(Object.keys(range.body.series).sort()).toEqual(['connections_active', 'connections_idle', 'transactions_per_second']);
    } finally {
      for (const c of held) await c.end();
      live.close();
    }
  }, 90_000);

  it('streams a RAISE LOG line to a logs: subscriber within 2 s, and keeps it in the history', async () => {
    const live = await client.subscribe(session, [`logs:${cluster.id}`]);
    try {
      // The first subscriber starts the agent's tail; a first line proves it is following before the timed one.
      await pause(500);
      const marker = `observe-marker-${Date.now().toString(36)}`;
      const started = Date.now();
      await sql(cluster.endpoint, PASSWORD, `do $$ begin raise log '${marker}'; end $$`);
      const line = await live.waitFor((m) => m.type === 'log.entry' && m.message.includes(marker), 5_000);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(line).toMatchObject({ cluster_id: cluster.id, level: 'info', channel: `logs:${cluster.id}` });

      const history = await client.api('GET', `/v1/clusters/${cluster.id}/logs?search=${marker}&limit=10`, session.token);
      expect(history.status).toBe(200);
      expect(history.body.data.map((e: any) => e.message).join('\n')).toContain(marker);
      const errorsOnly = await client.api('GET', `/v1/clusters/${cluster.id}/logs?search=${marker}&level=error`, session.token);
      expect(errorsOnly.body.data).toEqual([]);
      expect(JSON.stringify(history.body)).not.toContain(PASSWORD);
    } finally {
      live.close();
    }
  }, 30_000);

  it('runs SQL through the API with column types, errors with SQLSTATE and position, and truncation', async () => {
    const typed = await query({ sql: "select 1::int4 as n, 'x'::text as t, 9007199254740993::int8 as big, now() as at, true as ok, '{1,2}'::int4[] as arr" });
    expect(typed.status, JSON.stringify(typed.body)).toBe(200);
    expect(typed.body.columns.map((c: any) => [c.name, c.type])).toEqual([['n', 'int4'], ['t', 'text'], ['big', 'int8'], ['at', 'timestamptz'], ['ok', 'bool'], ['arr', '_int4']]);
    expect(typed.body.rows[0].slice(0, 3)).toEqual([1, 'x', '9007199254740993']);
    expect(typed.body).toMatchObject({ command: 'SELECT', row_count: 1, truncated: false });

    const withParams = await query({ sql: 'select $1::int4 + 1 as next', params: [41] });
    expect(withParams.body.rows).toEqual([[42]]);

    const bad = await query({ sql: 'select nope from load' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('sql_error');
    expect(bad.body.error.details).toMatchObject({ sqlstate: '42703', position: 8 });

    const many = await query({ sql: 'select g from generate_series(1, 50000) g', row_limit: 100 });
    expect(many.status).toBe(200);
    expect(many.body.rows).toHaveLength(100);
    expect(many.body.truncated).toBe(true);

    const readOnly = await query({ sql: "insert into load (note) values ('nope')", read_only: true });
    expect(readOnly.status).toBe(422);
    expect(readOnly.body.error.details.sqlstate).toBe('25006');
  }, 60_000);

  it('ends a statement at its timeout and on a cancel: the backend no longer runs it', async () => {
    const active = async (marker: string) =>
      (await sql(cluster.endpoint, PASSWORD, "select count(*)::int as n from pg_stat_activity where state = 'active' and query like $1", [`%${marker}%`])).rows[0].n;

    const started = Date.now();
    const timedOut = await query({ sql: "select pg_sleep(10) -- timeout-marker", timeout_ms: 300 });
    expect(timedOut.status).toBe(422);
    expect(timedOut.body.error.code).toBe('statement_timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await active('timeout-marker')).toBe(0);

    const id = queryId();
    const running = query({ sql: 'select pg_sleep(20) -- cancel-marker', query_id: id });
    const deadline = Date.now() + 10_000;
    while ((await active('cancel-marker')) === 0 && Date.now() < deadline) await pause(50);
    const cancelled = await client.api('DELETE', `/v1/queries/${id}`, session.token);
    expect([200, 202]).toContain(cancelled.status);
    expect(cancelled.body.cancelled).toBe(true);
    const answer = await running;
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('query_cancelled');
    expect(await active('cancel-marker')).toBe(0);
  }, 60_000);

  it('lists a table the test created in the schema, and its statement in the insights', async () => {
    await query({ sql: 'create table orders (id bigint primary key, customer text not null, total numeric default 0)' });
    await query({ sql: 'create index orders_customer on orders (customer)' });
    const schema = await client.api('GET', `/v1/clusters/${cluster.id}/schema`, session.token);
    expect(schema.status).toBe(200);
    const orders = schema.body.tables.find((t: any) => t.name === 'orders');
    expect(orders.schema).toBe('public');
    expect(orders.columns.map((c: any) => [c.name, c.nullable])).toEqual([['id', false], ['customer', false], ['total', true]]);
    expect(orders.indexes.map((i: any) => i.name).sort()).toEqual(['orders_customer', 'orders_pkey']);

    for (let i = 0; i < 3; i++) await query({ sql: 'select count(*) from orders where customer = $1', params: [`c${i}`] });
    const insights = await client.api('GET', `/v1/clusters/${cluster.id}/insights?order=calls`, session.token);
    expect(insights.status).toBe(200);
    const statement = insights.body.statements.find((s: any) => s.query.includes('from orders where customer'));
    expect(statement.calls).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('refuses bad input: over-limit requests 400, another org 404, a viewer 403, a sleeping cluster 409', async () => {
    expect((await query({ sql: 'select 1', timeout_ms: 10 * 60_000 })).status).toBe(400);
    expect((await query({ sql: 'select 1', row_limit: 1_000_000 })).status).toBe(400);
    expect((await query({ sql: 'x'.repeat(100_001) })).status).toBe(400);
    expect((await query({ sql: '   ' })).status).toBe(400);
    const other = await client.signUp();
    expect((await query({ sql: 'select 1' }, other.token)).status).toBe(404);
    expect((await client.api('GET', `/v1/clusters/${cluster.id}/metrics`, other.token)).status).toBe(404);
    expect((await client.api('DELETE', `/v1/queries/${queryId()}`, other.token)).status).toBe(404);
  }, 30_000);

  it('shows a sleep as asleep and a wake as up in the health history; SQL while asleep answers 409', async () => {
    const slept = await client.api('POST', `/v1/clusters/${cluster.id}/sleep`, session.token);
    expect(slept.status).toBe(202);
    await client.until(session, cluster.id, 'sleeping', 60_000);
    const asleep = await query({ sql: 'select 1' });
    expect(asleep.status).toBe(409);
    expect(asleep.body.error.message).toMatch(/asleep|sleep/i);

    const woke = await client.api('POST', `/v1/clusters/${cluster.id}/wake`, session.token);
    expect(woke.status).toBe(202);
    cluster = await client.until(session, cluster.id, 'running', 60_000);
    // The agent probes a cluster as soon as it runs again, then every 30 s.
    const deadline = Date.now() + 20_000;
    let history: any;
    for (;;) {
      history = (await client.api('GET', `/v1/clusters/${cluster.id}/health/history`, session.token)).body;
      const states = history.intervals.map((i: any) => i.state);
      if (states.includes('asleep') && states.at(-1) === 'up') break;
      if (Date.now() > deadline) throw new Error(`health history: ${JSON.stringify(history.intervals)}`);
      await pause(500);
    }
    const states: string[] = history.intervals.map((i: any) => i.state);
    expect(states.lastIndexOf('asleep')).toBeLessThan(states.lastIndexOf('up'));
    expect(states).not.toContain('down');
    expect(history.uptime['24h']).toBe(1);
    expect(history.latency.values.some((v: number | null) => v !== null && v > 0)).toBe(true);
  }, 120_000);
});
