// The request dispatcher on a PGlite cluster (the local driver's engine without native PostgreSQL): SQL and schema
// work, the shared session keeps the app role and its settings across requests, insights and cancels say why not.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { AgentResponse } from '../../protocol/agent.ts';
import type { DatabaseSchema, QueryResult } from '../../protocol/observability.ts';
import { LocalDriver } from '../drivers/local/local-driver.ts';
import type { DriverRecord } from '../drivers/driver.ts';
import { clusterSpec, collectingLogger, tempDir } from '../testing/fixtures.ts';
import { RequestDispatcher } from './dispatcher.ts';

const CLUSTER = 'cl_requests_pglite';
const PASSWORD = 'pglite-Secret-3';
const spec = clusterSpec({ username: 'app_user', database: 'app_db' });

let dir: Awaited<ReturnType<typeof tempDir>>;
let driver: LocalDriver;
let record: DriverRecord | null;
let port: number;
let dispatcher: RequestDispatcher;
let counter = 0;

beforeAll(async () => {
  dir = await tempDir('requests-pglite');
  driver = new LocalDriver({ dataDir: dir.path, log: collectingLogger(), engine: 'pglite' });
  const applied = await driver.apply({ clusterId: CLUSTER, spec, password: PASSWORD, record: null, emit: () => {} });
  record = applied.record;
  port = applied.observation.endpoint!.port;
  dispatcher = new RequestDispatcher({
    clusters: { cluster: (id) => (id === CLUSTER ? { clusterId: id, spec, record, phase: 'running', running: true, password: async () => PASSWORD } : null) },
    driver,
    logs: { logHistory: async () => ({ entries: [] }), followLogs: async (_id, follow) => ({ following: follow }) },
    log: collectingLogger(),
  });
}, 90_000);

afterAll(async () => {
  await dispatcher?.close();
  await driver?.shutdown();
  await dir?.remove();
}, 60_000);

function request(kind: 'sql' | 'schema' | 'insights' | 'cancel', payload: Record<string, unknown>): Promise<AgentResponse> {
  return dispatcher.handle({ type: 'request', id: `req_${++counter}`, cluster_id: CLUSTER, kind, payload });
}

const sql = (text: string, params: unknown[] = []) => request('sql', { query_id: `q_${counter + 1}`, sql: text, params, timeout_ms: 10_000, row_limit: 5 });

test('SQL, schema and the shared session on PGlite; insights are unsupported', async () => {
  const created = await sql("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g; SELECT * FROM items ORDER BY id");
  expect(created).toMatchObject({ ok: true });
  const rows = created.result as QueryResult;
  expect(rows.columns.map((column) => column.type)).toEqual(['int4', 'text']);
  expect(rows.rows).toHaveLength(5);
  expect(rows.truncated).toBe(true);
  expect((await sql('SELECT name FROM items WHERE id = $1', [7])).result).toMatchObject({ rows: [['item 7']] });
  expect(await sql('SELECT missing FROM items')).toMatchObject({ ok: false, code: 'sql_error', sql_error: { sqlstate: '42703', position: 8 } });

  // The agent's settings do not stay on the one session, and its reset does not drop the app role.
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'app_user', password: PASSWORD, database: 'app_db' });
  await client.connect();
  try {
    expect((await client.query('SELECT current_user AS who, current_setting($1) AS timeout', ['statement_timeout'])).rows[0]).toEqual({ who: 'app_user', timeout: '0' });
  } finally {
    await client.end();
  }

  const schema = (await request('schema', {})).result as DatabaseSchema;
  expect(schema.tables.find((table) => table.name === 'items')?.columns.map((column) => column.name)).toEqual(['id', 'name']);
  const insights = await request('insights', {});
  expect(insights, JSON.stringify(insights)).toMatchObject({ ok: false, code: "unsupported" });
  expect(insights.error).toContain('pg_stat_statements');
  expect((await request('cancel', { query_id: 'q_none' })).result).toEqual({ cancelled: false });
}, 60_000);
