// The whole local stack, as a user runs it: `wrangler dev` with the Durable Objects and Queues, the embedded
// catalog, the local region's agent as its own process, and real PostgreSQL servers it provisions. Clusters are
// driven over HTTP, followed over the realtime WebSocket, and used with a real Postgres client.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startStack, type Stack } from '../dev/stack.ts';

let stack: Stack;
let dataDir: string;
const logs: string[] = [];

interface Session {
  token: string;
  orgId: string;
}

async function api<T = any>(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function signUp(plan: 'free' | 'enterprise' = 'enterprise'): Promise<Session> {
  const res = await api('POST', '/v1/auth/register', null, { email: `e2e-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`, password: 'end to end pw' });
  expect(res.status).toBe(201);
  const client = new pg.Client({ connectionString: stack.catalog.databaseUrl });
  await client.connect();
  await client.query('update organizations set plan = $2 where id = $1', [res.body.organization.id, plan]);
  await client.end();
  return { token: res.body.access_token, orgId: res.body.organization.id };
}

/** A realtime subscription that records every message for one cluster. */
async function watch(session: Session, clusterId: string) {
  const ws = new WebSocket(`${stack.url.replace(/^http/, 'ws')}/v1/realtime?org_id=${session.orgId}`, { headers: { authorization: `Bearer ${session.token}` } });
  const messages: any[] = [];
  const waiters: Array<{ match: (m: any) => boolean; resolve: (m: any) => void }> = [];
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString());
    messages.push(message);
    for (const w of [...waiters]) {
      if (w.match(message)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(message);
      }
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const waitFor = (match: (m: any) => boolean, timeoutMs = 30_000): Promise<any> => {
    const seen = messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching realtime message in ${timeoutMs} ms; saw ${messages.map((m) => m.type + ':' + (m.cluster?.status ?? m.operation?.status ?? '')).join(', ')}`)), timeoutMs);
      waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  };
  ws.send(JSON.stringify({ type: 'subscribe', channels: [`cluster:${clusterId}`] }));
  await waitFor((m) => m.type === 'subscribed');
  return {
    messages,
    waitFor,
    status: (status: string, timeoutMs?: number) => waitFor((m) => m.type === 'cluster.status' && m.cluster.status === status, timeoutMs),
    operation: (id: string, status = 'finished', timeoutMs?: number) => waitFor((m) => m.type === 'operation.updated' && m.operation.id === id && m.operation.status === status, timeoutMs),
    close: () => ws.close(),
  };
}

/** Polls the API until the cluster reaches a status (for clusters nobody is watching). */
async function until(session: Session, clusterId: string, status: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api('GET', `/v1/clusters/${clusterId}`, session.token);
    if (res.body.cluster?.status === status) return res.body.cluster;
    if (Date.now() > deadline) throw new Error(`cluster ${clusterId} is ${res.body.cluster?.status}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sql(endpoint: { host: string; port: number }, password: string, text: string, params: unknown[] = []) {
  const client = new pg.Client({ host: endpoint.host, port: endpoint.port, user: 'app', password, database: 'app', connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-e2e-'));
  const port = 28787 + Math.floor(Math.random() * 1000);
  stack = await startStack({ dataDir, port, wranglerLogLevel: 'warn', output: (source, line) => logs.push(`[${source}] ${line}`) });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (dataDir) await removeDataDir(dataDir);
}, 60_000);

describe('a PostgreSQL cluster on the local stack, end to end', () => {
  it('is created, used over SQL, put to sleep, woken, re-keyed and deleted', async () => {
    const session = await signUp();
    const created = await api('POST', '/v1/clusters', session.token, { name: 'e2e-main', region_id: stack.localRegionId, password: 'first-password-123' });
    expect(created.status).toBe(202);
    const id = created.body.cluster.id;
    const live = await watch(session, id);

    const running = await live.status('running');
    await live.operation(created.body.operation.id);
    const endpoint = running.cluster.endpoint;
    expect(endpoint.host).toBe('127.0.0.1');
    const conn = await api('GET', `/v1/clusters/${id}/connection?reveal=true`, session.token);
    expect(conn.body.password).toBe('first-password-123');
    const client = new pg.Client({ connectionString: conn.body.value });
    await client.connect();
    await client.query('create table notes (id serial primary key, body text not null)');
    await client.query("insert into notes (body) values ('kept across sleep')");
    await client.end();
    await expect(sql(endpoint, 'wrong-password-000', 'select 1')).rejects.toThrow(/password authentication failed/);

    const slept = await api('POST', `/v1/clusters/${id}/sleep`, session.token);
    expect(slept.status).toBe(202);
    await live.operation(slept.body.operation.id);
    expect((await api('GET', `/v1/clusters/${id}`, session.token)).body.cluster).toMatchObject({ status: 'sleeping', endpoint: null });
    expect(await portOpen(endpoint.port)).toBe(false);
    await expect(sql(endpoint, 'first-password-123', 'select 1')).rejects.toThrow();

    const woke = await api('POST', `/v1/clusters/${id}/wake`, session.token);
    await live.operation(woke.body.operation.id);
    const awake = (await api('GET', `/v1/clusters/${id}`, session.token)).body.cluster;
    expect(awake.status).toBe('running');
    const rows = await sql(awake.endpoint, 'first-password-123', 'select body from notes');
    expect(rows.rows).toEqual([{ body: 'kept across sleep' }]);

    const rotated = await api('POST', `/v1/clusters/${id}/password/rotate`, session.token, { password: 'second-password-456' });
    await live.operation(rotated.body.operation.id);
    await expect(sql(awake.endpoint, 'first-password-123', 'select 1')).rejects.toThrow(/password authentication failed/);
    expect((await sql(awake.endpoint, 'second-password-456', 'select count(*)::int as n from notes')).rows).toEqual([{ n: 1 }]);

    const deleted = await api('DELETE', `/v1/clusters/${id}`, session.token);
    await live.operation(deleted.body.operation.id);
    expect((await api('GET', `/v1/clusters/${id}`, session.token)).body.cluster.status).toBe('deleted');
    expect(await portOpen(awake.endpoint.port)).toBe(false);
    expect(existsSync(join(dataDir, 'agent', 'clusters', id))).toBe(false);
    const events = await api('GET', `/v1/clusters/${id}/events?limit=100`, session.token);
    const types = events.body.data.map((e: { type: string }) => e.type);
    // Every command travels two paths (the queue and the direct RPC), so each reached the region twice and
    // the replays on reconnect add more: each was still applied once.
    expect(types.filter((t: string) => t === 'created')).toHaveLength(1);
    expect(types.filter((t: string) => t === 'password_rotated')).toHaveLength(1);
    expect(types.filter((t: string) => t === 'deleted')).toHaveLength(1);
    live.close();
  }, 120_000);

  it('converges after the agent is killed in the middle of a create', async () => {
    const session = await signUp();
    const created = await api('POST', '/v1/clusters', session.token, { name: 'e2e-killed', region_id: stack.localRegionId, password: 'killed-password-1' });
    expect(created.status).toBe(202);
    await stack.stopAgent('SIGKILL');
    await stack.startAgent();
    const cluster = await until(session, created.body.cluster.id, 'running');
    expect((await sql(cluster.endpoint, 'killed-password-1', 'select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    const op = await api('GET', `/v1/operations/${created.body.operation.id}`, session.token);
    expect(op.body.operation.status).toBe('finished');
    await api('DELETE', `/v1/clusters/${created.body.cluster.id}`, session.token);
  }, 120_000);

  it('applies commands sent while the agent was offline once it reconnects', async () => {
    const session = await signUp();
    const created = await api('POST', '/v1/clusters', session.token, { name: 'e2e-offline', region_id: stack.localRegionId, password: 'offline-password-1' });
    const running = await until(session, created.body.cluster.id, 'running');
    await stack.stopAgent('SIGTERM');
    const slept = await api('POST', `/v1/clusters/${created.body.cluster.id}/sleep`, session.token);
    expect(slept.status).toBe(202);
    // Nobody is there to apply it: still in flight.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await api('GET', `/v1/operations/${slept.body.operation.id}`, session.token)).body.operation.status).not.toBe('finished');
    await stack.startAgent();
    await until(session, created.body.cluster.id, 'sleeping');
    expect((await api('GET', `/v1/operations/${slept.body.operation.id}`, session.token)).body.operation.status).toBe('finished');
    expect(await portOpen(running.endpoint.port)).toBe(false);
    await api('DELETE', `/v1/clusters/${created.body.cluster.id}`, session.token);
  }, 120_000);

  it('takes 20 clusters created at once to running, with no operation left stuck', async () => {
    const session = await signUp();
    const creates = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api('POST', '/v1/clusters', session.token, { name: `e2e-many-${i}`, region_id: stack.localRegionId, password: `many-password-${i}-x` }),
      ),
    );
    expect(creates.map((r) => r.status)).toEqual(Array(20).fill(202));
    const clusters = await Promise.all(creates.map((r) => until(session, r.body.cluster.id, 'running', 120_000)));
    const ports = new Set(clusters.map((c) => c.endpoint.port));
    expect(ports.size).toBe(20);
    const answers = await Promise.all(clusters.map((c, i) => sql(c.endpoint, `many-password-${i}-x`, 'select $1::int as i', [i])));
    expect(answers.map((a) => a.rows[0].i)).toEqual([...Array(20).keys()]);
    const ops = await api('GET', `/v1/operations?limit=100`, session.token);
    expect(ops.body.data.filter((o: any) => o.status !== 'finished')).toEqual([]);
    await Promise.all(clusters.map((c) => api('DELETE', `/v1/clusters/${c.id}`, session.token)));
    await Promise.all(clusters.map((c) => until(session, c.id, 'deleted', 120_000)));
  }, 240_000);
});
