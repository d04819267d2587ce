// The request dispatcher against a real native PostgreSQL cluster made by the local driver: SQL with types, scripts,
// parameters, errors, read-only, timeouts, cancels and truncation; the schema browser; query insights; and the codes
// for a cluster that is not there, not running, or asked something malformed.
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AgentRequest, AgentResponse } from '../../protocol/agent.ts';
import { OBSERVABILITY_LIMITS, type DatabaseSchema, type InsightsResult, type QueryResult } from '../../protocol/observability.ts';
import { LocalDriver } from '../drivers/local/local-driver.ts';
import { findNativeInstallations } from '../drivers/local/native-binaries.ts';
import type { DriverRecord, SqlAccess } from '../drivers/driver.ts';
import type { HeldCluster } from '../reconciler.ts';
import { clusterSpec, collectingLogger, tempDir, waitFor } from '../testing/fixtures.ts';
import { RequestDispatcher } from './dispatcher.ts';

const hasNative = (await findNativeInstallations()).length > 0;

const CLUSTER = 'cl_requests';
const SLEEPING = 'cl_requests_asleep';
const PASSWORD = 'requests-Secret-9';
const spec = clusterSpec({ username: 'app_user', database: 'app_db', size: 'small' });

let dir: Awaited<ReturnType<typeof tempDir>>;
let driver: LocalDriver;
let record: DriverRecord | null;
let access: SqlAccess;
let dispatcher: RequestDispatcher;
let requestCounter = 0;
const followed: Array<{ clusterId: string; follow: boolean }> = [];

function held(clusterId: string, running: boolean): HeldCluster {
  return { clusterId, spec: running ? spec : { ...spec, state: 'sleeping' }, record, phase: running ? 'running' : 'sleeping', running, password: async () => PASSWORD };
}

function request(kind: AgentRequest['kind'], payload: Record<string, unknown>, clusterId = CLUSTER): Promise<AgentResponse> {
  return dispatcher.handle({ type: 'request', id: `req_${++requestCounter}`, cluster_id: clusterId, kind, payload });
}

function sql(text: string, options: { params?: unknown[]; read_only?: boolean; timeout_ms?: number; row_limit?: number; query_id?: string } = {}): Promise<AgentResponse> {
  return request('sql', { query_id: options.query_id ?? `q_${requestCounter + 1}`, sql: text, params: options.params ?? [], read_only: options.read_only ?? false, timeout_ms: options.timeout_ms ?? 10_000, row_limit: options.row_limit ?? 1000 });
}

async function result<T = QueryResult>(response: Promise<AgentResponse>): Promise<T> {
  const answer = await response;
  if (!answer.ok) throw new Error(`expected ok, got ${answer.code}: ${answer.error}`);
  return answer.result as T;
}

/** A superuser connection straight to the server, to look at pg_stat_activity from outside. */
async function asAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...access.admin! });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const activeWith = (text: string) =>
  asAdmin(async (client) => (await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query = $1", [text])).rows);

describe.skipIf(!hasNative && process.env.CI !== 'true')('requests on a native local cluster', () => {
  beforeAll(async () => {
    dir = await tempDir('requests');
    driver = new LocalDriver({ dataDir: dir.path, log: collectingLogger(), engine: 'native' });
    const applied = await driver.apply({ clusterId: CLUSTER, spec, password: PASSWORD, record: null, emit: () => {} });
    record = applied.record;
    access = (await driver.sqlAccess(CLUSTER, spec, PASSWORD, record))!;
    dispatcher = new RequestDispatcher({
      clusters: { cluster: (id) => (id === CLUSTER ? held(CLUSTER, true) : id === SLEEPING ? held(SLEEPING, false) : null) },
      driver,
      logs: {
        logHistory: async () => ({ entries: [] }),
        followLogs: async (clusterId, follow) => {
          followed.push({ clusterId, follow });
          return { following: follow };
        },
      },
      log: collectingLogger(),
    });
  }, 90_000);

  afterAll(async () => {
    await dispatcher?.close();
    await driver?.shutdown();
    await dir?.remove();
  }, 60_000);

  test('the driver gives the app role over TCP and the superuser over the cluster socket', () => {
    expect(access.app).toMatchObject({ host: '127.0.0.1', database: 'app_db', user: 'app_user', password: PASSWORD });
    expect(access.admin).toMatchObject({ port: access.app.port, database: 'app_db', user: 'postgres' });
    expect(access.admin!.host.startsWith('/')).toBe(true);
  });

  test('a query returns columns with PostgreSQL type names and JSON-safe values', async () => {
    const answer = await result(
      sql(`SELECT 42::int4 AS i, 'hi'::text AS t, 9007199254740993::int8 AS big, 12.50::numeric(6,2) AS n,
        '2024-05-06 07:08:09+00'::timestamptz AS at, true AS yes, '{"a": [1, 2]}'::jsonb AS doc, ARRAY[1, 2, 3] AS list,
        1.5::float8 AS f, 'NaN'::float8 AS nan, '\\xdeadbeef'::bytea AS raw, NULL::text AS nothing`),
    );
    expect(answer.command).toBe('SELECT');
    expect(answer.row_count).toBe(1);
    expect(answer.truncated).toBe(false);
    expect(answer.columns.map((column) => [column.name, column.type])).toEqual([
      ['i', 'int4'],
      ['t', 'text'],
      ['big', 'int8'],
      ['n', 'numeric'],
      ['at', 'timestamptz'],
      ['yes', 'bool'],
      ['doc', 'jsonb'],
      ['list', '_int4'],
      ['f', 'float8'],
      ['nan', 'float8'],
      ['raw', 'bytea'],
      ['nothing', 'text'],
    ]);
    expect(answer.columns[0]!.type_oid).toBe(23);
    // The timestamp as the server prints it in its own time zone (UTC unless the machine says otherwise).
    expect(answer.rows[0]![4]).toMatch(/^2024-05-0[5-7] \d\d:\d\d:09[+-]\d\d(:\d\d)?$/);
    expect(answer.rows).toEqual([[42, 'hi', '9007199254740993', '12.50', answer.rows[0]![4], true, '{"a": [1, 2]}', '{1,2,3}', 1.5, 'NaN', '\\xdeadbeef', null]]);
    expect(answer.duration_ms).toBeGreaterThanOrEqual(0);
  });

  test('a script runs every statement and answers with the last one; parameters go through the extended protocol', async () => {
    const script = await result(sql('CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, $$one$$), (2, $$two$$); SELECT body FROM notes ORDER BY id'));
    expect(script.command).toBe('SELECT');
    expect(script.rows).toEqual([['one'], ['two']]);
    const insert = await result(sql('INSERT INTO notes VALUES (3, $$three$$), (4, $$four$$)'));
    expect(insert).toMatchObject({ command: 'INSERT', row_count: 2, columns: [], rows: [] });
    const withParams = await result(sql('SELECT id, body FROM notes WHERE id >= $1 AND body <> $2 ORDER BY id', { params: [2, 'three'] }));
    expect(withParams.rows).toEqual([[2, 'two'], [4, 'four']]);
    const nullAndBool = await result(sql('SELECT $1::text IS NULL AS missing, $2::bool AS flag', { params: [null, true] }));
    expect(nullAndBool.rows).toEqual([[true, true]]);
    // Statements that refuse a transaction block run as single statements too.
    expect(await result(sql('VACUUM notes'))).toMatchObject({ command: 'VACUUM', row_count: null, columns: [] });
  });

  test('a failed statement carries its SQLSTATE, 1-based position and hint, and no parameter values', async () => {
    const missingColumn = await sql('SELECT nope FROM notes');
    expect(missingColumn).toMatchObject({ ok: false, code: 'sql_error', sql_error: { sqlstate: '42703', position: 8 } });
    expect(missingColumn.error).toContain('column "nope" does not exist');
    const missingTable = await sql('SELECT 1;\nSELECT * FROM missing_table');
    expect(missingTable.sql_error).toMatchObject({ sqlstate: '42P01', position: 25 });
    const badParam = await sql('SELECT $1::int', { params: ['not-a-number-xyz'] });
    expect(badParam.sql_error?.sqlstate).toBe('22P02');
    expect(JSON.stringify(badParam)).not.toContain('not-a-number-xyz');
    expect(JSON.stringify([missingColumn, missingTable, badParam])).not.toContain(PASSWORD);
    // No data to send: the server ends the COPY with the agent's reason, and the connection stays usable.
    const copy = await sql('COPY notes FROM STDIN');
    expect(copy).toMatchObject({ ok: false, code: 'sql_error' });
    expect(copy.error).toContain('the SQL editor sends no data');
    expect((await result(sql('SELECT 1 AS one'))).rows).toEqual([[1]]);
  });

  test('read_only refuses a write with 25006 and each request is a fresh session', async () => {
    const write = await sql('INSERT INTO notes VALUES (9, $$nine$$)', { read_only: true });
    expect(write).toMatchObject({ ok: false, code: 'sql_error', sql_error: { sqlstate: '25006' } });
    const read = await result(sql('SELECT count(*)::int FROM notes', { read_only: true }));
    expect(read.rows).toEqual([[4]]);
    // A setting, and a transaction left open, end with their request.
    await result(sql("SET search_path = nowhere; BEGIN; INSERT INTO public.notes VALUES (10, 'uncommitted')"));
    const after = await result(sql('SHOW search_path'));
    expect(after.rows).toEqual([['"$user", public']]);
    expect((await result(sql('SELECT count(*)::int FROM notes WHERE id = 10'))).rows).toEqual([[0]]);
    // Writes work again once read_only is off.
    expect((await result(sql("INSERT INTO notes VALUES (5, 'five')"))).row_count).toBe(1);
  });

  test('a statement past its timeout answers `timeout` promptly and no longer runs on the server', async () => {
    const started = performance.now();
    const answer = await sql('SELECT pg_sleep(5)', { timeout_ms: 200 });
    const elapsed = performance.now() - started;
    expect(answer).toMatchObject({ ok: false, code: 'timeout', sql_error: { sqlstate: '57014' } });
    expect(elapsed).toBeLessThan(1500);
    expect(await activeWith('SELECT pg_sleep(5)')).toEqual([]);
  });

  test('a cancel stops a running statement, which answers `cancelled` and is gone from pg_stat_activity', async () => {
    expect((await result<{ cancelled: boolean }>(request('cancel', { query_id: 'q_not_running' })))).toEqual({ cancelled: false });
    const running = sql('SELECT pg_sleep(10)', { query_id: 'q_sleep', timeout_ms: 30_000 });
    await waitFor(async () => (await activeWith('SELECT pg_sleep(10)')).length > 0, 5000, 'the statement to run');
    const started = performance.now();
    const cancel = await result<{ cancelled: boolean }>(request('cancel', { query_id: 'q_sleep' }));
    expect(cancel).toEqual({ cancelled: true });
    expect(await activeWith('SELECT pg_sleep(10)')).toEqual([]);
    const answer = await running;
    expect(answer).toMatchObject({ ok: false, code: 'cancelled', sql_error: { sqlstate: '57014' } });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('results stop at the row limit, for a single statement and for a script', async () => {
    const single = await result(sql('SELECT g FROM generate_series(1, 100000) AS g', { row_limit: 10 }));
    expect(single.rows).toEqual(Array.from({ length: 10 }, (_, index) => [index + 1]));
    expect(single.truncated).toBe(true);
    expect(single.row_count).toBeNull();
    const script = await result(sql('SELECT 1; SELECT g FROM generate_series(1, 100000) AS g', { row_limit: 25 }));
    expect(script.rows).toHaveLength(25);
    expect(script).toMatchObject({ truncated: true, command: 'SELECT', row_count: 100000 });
    const exact = await result(sql('SELECT g FROM generate_series(1, 10) AS g', { row_limit: 10 }));
    expect(exact).toMatchObject({ truncated: false, row_count: 10 });
    // 20 rows of 1 MB each: cut at the 8 MB result cap, well before the row limit.
    const wide = await result(sql("SELECT g, repeat('x', 1000000) AS filler FROM generate_series(1, 20) AS g", { row_limit: 10_000 }));
    expect(wide.truncated).toBe(true);
    expect(wide.rows.length).toBeGreaterThan(0);
    expect(Buffer.byteLength(JSON.stringify(wide.rows))).toBeLessThanOrEqual(OBSERVABILITY_LIMITS.resultMaxBytes);
  });

  test('the schema lists tables with columns, indexes and foreign keys, views and extensions', async () => {
    await result(
      sql(`CREATE EXTENSION IF NOT EXISTS pgcrypto;
        CREATE SCHEMA shop;
        CREATE TABLE shop.customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz DEFAULT now());
        CREATE TABLE shop.orders (id serial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES shop.customers (id), total numeric(10,2));
        CREATE INDEX orders_customer ON shop.orders (customer_id);
        CREATE VIEW shop.big_orders AS SELECT id, total FROM shop.orders WHERE total > 100;
        CREATE MATERIALIZED VIEW shop.order_counts AS SELECT customer_id, count(*) AS n FROM shop.orders GROUP BY 1;`),
    );
    const schema = await result<DatabaseSchema>(request('schema', {}));
    expect(schema.schemas.map((s) => s.name)).toEqual(['public', 'shop']);
    expect(schema.schemas.find((s) => s.name === 'shop')?.owner).toBe('app_user');
    const orders = schema.tables.find((table) => table.schema === 'shop' && table.name === 'orders')!;
    expect(orders.columns).toEqual([
      { name: 'id', type: 'integer', nullable: false, default: "nextval('shop.orders_id_seq'::regclass)" },
      { name: 'customer_id', type: 'bigint', nullable: false, default: null },
      { name: 'total', type: 'numeric(10,2)', nullable: true, default: null },
    ]);
    expect(orders.indexes).toEqual([
      { name: 'orders_customer', definition: 'CREATE INDEX orders_customer ON shop.orders USING btree (customer_id)', unique: false, primary: false },
      { name: 'orders_pkey', definition: 'CREATE UNIQUE INDEX orders_pkey ON shop.orders USING btree (id)', unique: true, primary: true },
    ]);
    expect(orders.foreign_keys).toEqual([{ name: 'orders_customer_id_fkey', columns: ['customer_id'], references: { schema: 'shop', table: 'customers', columns: ['id'] } }]);
    expect(orders.size_bytes).toBeGreaterThan(0);
    expect(orders.row_estimate).toBe(-1);
    expect(schema.tables.find((table) => table.name === 'notes')?.schema).toBe('public');
    expect(schema.views).toEqual([
      { schema: 'shop', name: 'big_orders', materialized: false, columns: [{ name: 'id', type: 'integer', nullable: true, default: null }, { name: 'total', type: 'numeric(10,2)', nullable: true, default: null }] },
      { schema: 'shop', name: 'order_counts', materialized: true, columns: [{ name: 'customer_id', type: 'bigint', nullable: true, default: null }, { name: 'n', type: 'bigint', nullable: true, default: null }] },
    ]);
    expect(schema.extensions.map((extension) => extension.name)).toEqual(expect.arrayContaining(['pgcrypto', 'pg_stat_statements', 'plpgsql']));
  });

  test('insights list the statements run, without the agent\'s own, and a reset empties them', async () => {
    for (let i = 0; i < 3; i++) await result(sql('SELECT count(*) FROM notes WHERE body LIKE $1', { params: [`%${i}%`] }));
    const insights = await result<InsightsResult>(request('insights', { order: 'calls', limit: 100 }));
    const mine = insights.statements.find((statement) => statement.query === 'SELECT count(*) FROM notes WHERE body LIKE $1');
    expect(mine).toMatchObject({ calls: 3 });
    expect(mine!.total_time_ms).toBeGreaterThan(0);
    expect(insights.statements.some((statement) => statement.query.includes('orochi-agent'))).toBe(false);
    const byTime = await result<InsightsResult>(request('insights', { order: 'total_time', limit: 2 }));
    expect(byTime.statements).toHaveLength(2);
    expect(byTime.statements[0]!.total_time_ms).toBeGreaterThanOrEqual(byTime.statements[1]!.total_time_ms);

    const reset = await result<{ reset_at: string }>(request('insights_reset', {}));
    expect(Date.parse(reset.reset_at)).toBeGreaterThan(Date.now() - 60_000);
    const after = await result<InsightsResult>(request('insights', {}));
    expect(after.statements).toEqual([]);
    expect(after.since).toBe(reset.reset_at);
  });

  test('a cluster not held, not running, or a malformed payload get their codes; log kinds go to telemetry', async () => {
    expect(await sql('SELECT 1', {}).then((r) => r)).toMatchObject({ ok: true });
    expect(await request('schema', {}, 'cl_unknown')).toMatchObject({ ok: false, code: 'not_found' });
    const asleep = await request('sql', { query_id: 'q', sql: 'SELECT 1', timeout_ms: 1000, row_limit: 10 }, SLEEPING);
    expect(asleep).toMatchObject({ ok: false, code: 'not_running' });
    expect(asleep.error).toContain('sleeping');
    const tooMany = await request('sql', { query_id: 'q', sql: 'SELECT 1', timeout_ms: 10 * 60_000, row_limit: 10 });
    expect(tooMany).toMatchObject({ ok: false, code: 'bad_request' });
    expect(tooMany.error).toContain('timeout_ms');
    expect(await request('insights', { order: 'sideways' })).toMatchObject({ ok: false, code: 'bad_request' });
    expect(await request('logs_follow', { follow: true }, SLEEPING)).toMatchObject({ ok: true, result: { following: true } });
    expect(followed).toEqual([{ clusterId: SLEEPING, follow: true }]);
  });

  test('select 1 through the dispatcher beside a direct connection (p50 over 200 each)', async () => {
    const direct = new pg.Client({ ...access.app });
    await direct.connect();
    const time = async (run: () => Promise<unknown>) => {
      const samples: number[] = [];
      for (let i = 0; i < 200; i++) {
        const started = performance.now();
        await run();
        samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      return { p50: samples[100]!, p99: samples[197]! };
    };
    try {
      await time(() => direct.query('select 1'));
      const viaDirect = await time(() => direct.query('select 1'));
      const viaDispatcher = await time(() => result(sql('select 1')));
      console.log(
        `[timing] select 1: direct p50 ${viaDirect.p50.toFixed(3)} ms p99 ${viaDirect.p99.toFixed(3)} ms; dispatcher p50 ${viaDispatcher.p50.toFixed(3)} ms p99 ${viaDispatcher.p99.toFixed(3)} ms`,
      );
      expect(viaDispatcher.p50).toBeLessThan(viaDirect.p50 + 20);
    } finally {
      await direct.end();
    }
  }, 60_000);

  test('a cluster whose server never answers holds up only its own requests', async () => {
    // A port that accepts connections and says nothing, like a hung server.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    const hung = 'cl_requests_hung';
    const both = new RequestDispatcher({
      clusters: { cluster: (id) => (id === CLUSTER ? held(CLUSTER, true) : id === hung ? held(hung, true) : null) },
      driver: {
        sqlAccess: async (id, ...rest) => (id === hung ? { app: { ...access.app, port: silentPort }, admin: null } : driver.sqlAccess(id, ...rest)),
      },
      logs: { logHistory: async () => ({ entries: [] }), followLogs: async (_id, follow) => ({ following: follow }) },
      log: collectingLogger(),
      pool: { max: 2, idleMs: 60_000, connectTimeoutMs: 1_500 },
    });
    const ask = (clusterId: string) =>
      both.handle({ type: 'request', id: `req_${++requestCounter}`, cluster_id: clusterId, kind: 'sql', payload: { query_id: `q_${requestCounter}`, sql: 'SELECT 1', timeout_ms: 5000, row_limit: 10 } });
    try {
      const stuck = ask(hung);
      const started = performance.now();
      for (let i = 0; i < 5; i++) expect(await ask(CLUSTER)).toMatchObject({ ok: true });
      expect(performance.now() - started).toBeLessThan(1000);
      const answer = await stuck;
      expect(answer).toMatchObject({ ok: false, code: 'internal' });
      expect(answer.error).toContain("could not connect to the cluster's server");
    } finally {
      await both.close();
      silent.close();
    }
  }, 30_000);

  test('requests beyond the pool\'s connections wait their turn on a reset session', async () => {
    const one = new RequestDispatcher({
      clusters: { cluster: (id) => (id === CLUSTER ? held(CLUSTER, true) : null) },
      driver,
      logs: { logHistory: async () => ({ entries: [] }), followLogs: async (_id, follow) => ({ following: follow }) },
      log: collectingLogger(),
      pool: { max: 1, idleMs: 60_000, connectTimeoutMs: 5_000 },
    });
    const ask = (text: string) =>
      one.handle({ type: 'request', id: `req_${++requestCounter}`, cluster_id: CLUSTER, kind: 'sql', payload: { query_id: `q_${requestCounter}`, sql: text, timeout_ms: 5000, row_limit: 10 } });
    try {
      const answers = await Promise.all([
        ask("SET application_name = 'first'; SELECT pg_backend_pid(), current_setting('application_name')"),
        ask("SELECT pg_backend_pid(), current_setting('application_name')"),
        ask("SELECT pg_backend_pid(), current_setting('application_name')"),
      ]);
      const rows = answers.map((answer) => (answer.result as QueryResult).rows[0]!);
      // One server process served all three, and the second saw none of the first's session.
      expect(new Set(rows.map((row) => row[0])).size).toBe(1);
      expect(rows.map((row) => row[1])).toEqual(['first', 'orochi-agent', 'orochi-agent']);
    } finally {
      await one.close();
    }
  });

  test('a server stopped under the agent answers not_running, and a duplicate query id is refused', async () => {
    const sleeping = sql('SELECT pg_sleep(0.3)', { query_id: 'q_twice' });
    await waitFor(async () => (await activeWith('SELECT pg_sleep(0.3)')).length > 0, 5000, 'the statement to run');
    expect(await sql('SELECT 1', { query_id: 'q_twice' })).toMatchObject({ ok: false, code: 'bad_request' });
    expect(await sleeping).toMatchObject({ ok: true });
    await driver.stop(CLUSTER, record);
    expect(await sql('SELECT 1')).toMatchObject({ ok: false, code: 'not_running' });
  }, 60_000);
});
