// Point-in-time restore and branches on the whole local stack, as a user drives them over HTTP with psql-able
// clusters: rows written at t1, t2, t3; a branch at t1; an in-place restore to between t2 and t3 that keeps the
// state before it as a branch; the object store going down and coming back; the agent killed mid-backup; a gap
// in the archived WAL. The stack's object store is an embedded server this test runs itself, so it can stop it.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walPrefix } from '../agent/backup/layout.ts';
import { ObjectStore } from '../agent/backup/object-store.ts';
import { findNativeInstallations } from '../agent/drivers/local/native-binaries.ts';
import { embeddedStoreConfig, startObjectStore, type EmbeddedObjectStore } from '../dev/object-store.ts';
import { removeDataDir, startStack, type Stack } from '../dev/stack.ts';
import { sql, stackClient, type Session } from './stack-client.ts';

const hasNative = (await findNativeInstallations()).length > 0;
let stack: Stack;
let store: EmbeddedObjectStore;
let dataDir: string;
let client: ReturnType<typeof stackClient>;
const logs: string[] = [];

const storeConfig = () => embeddedStoreConfig(store);

beforeAll(async () => {
  if (!hasNative && process.env.CI !== 'true') return;
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-e2e-pitr-'));
  store = await startObjectStore({ dataDir: join(dataDir, 's3-own') });
  const port = 30787 + Math.floor(Math.random() * 1000);
  stack = await startStack({ dataDir, port, wranglerLogLevel: 'warn', objectStore: storeConfig(), output: (source, line) => logs.push(`[${source}] ${line}`) });
  client = stackClient(stack);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await store?.stop();
  if (dataDir) await removeDataDir(dataDir);
}, 60_000);

const PASSWORD = 'pitr-password-123';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const notes = async (endpoint: { host: string; port: number }) => (await sql(endpoint, PASSWORD, 'select note from t order by id')).rows.map((row) => row.note);

async function runningCluster(session: Session, name: string) {
  const created = await client.api('POST', '/v1/clusters', session.token, { name, region_id: stack.localRegionId, password: PASSWORD });
  expect(created.status).toBe(202);
  return client.until(session, created.body.cluster.id, 'running', 120_000);
}

async function backUpNow(session: Session, clusterId: string, expected: 'finished' | 'failed' = 'finished') {
  const started = await client.api('POST', `/v1/clusters/${clusterId}/backups`, session.token);
  expect(started.status).toBe(202);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const op = (await client.api('GET', `/v1/operations/${started.body.operation.id}`, session.token)).body.operation;
    if (op.status === 'finished' || op.status === 'failed') {
      expect(op.status, op.error ?? '').toBe(expected);
      return { operation: op, backup: (await client.api('GET', `/v1/backups/${started.body.backup.id}`, session.token)).body.backup };
    }
    if (Date.now() > deadline) throw new Error(`backup operation still ${op.status}`);
    await pause(200);
  }
}

async function operationEnds(session: Session, operationId: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const op = (await client.api('GET', `/v1/operations/${operationId}`, session.token)).body.operation;
    if (op.status !== 'pending' && op.status !== 'running') return op;
    if (Date.now() > deadline) throw new Error(`operation ${operationId} still ${op.status} after ${timeoutMs} ms`);
    await pause(200);
  }
}

describe.skipIf(!hasNative && process.env.CI !== 'true')('point-in-time restore and branches on the local stack', () => {
  let session: Session;
  let parent: { id: string; endpoint: { host: string; port: number } };

  it('branches at t1 and restores in place to between t2 and t3, keeping the state before as a branch', async () => {
    session = await client.signUp();
    parent = await runningCluster(session, 'ledger');
    await sql(parent.endpoint, PASSWORD, 'create table t (id serial primary key, note text)');
    await backUpNow(session, parent.id);
    await pause(1100);
    await sql(parent.endpoint, PASSWORD, "insert into t (note) values ('t1')");
    await pause(1100);
    const afterT1 = new Date().toISOString();
    await pause(1100);
    await sql(parent.endpoint, PASSWORD, "insert into t (note) values ('t2')");
    await pause(1100);
    const betweenT2AndT3 = new Date().toISOString();
    await pause(1100);
    await sql(parent.endpoint, PASSWORD, "insert into t (note) values ('t3')");

    const window = (await client.api('GET', `/v1/clusters/${parent.id}/restore-window`, session.token)).body;
    expect(window).toMatchObject({ point_in_time: true, limitation: null, wal_gap: null });

    // A branch at t1: a separate server with the t1 row; the parent keeps all three.
    const branched = await client.api('POST', '/v1/clusters', session.token, { name: 'ledger-at-t1', password: PASSWORD, source: { cluster_id: parent.id, target_time: afterT1 } });
    expect(branched.status).toBe(202);
    expect(branched.body.cluster).toMatchObject({ parent_id: parent.id, region_id: stack.localRegionId });
    const branch = await client.until(session, branched.body.cluster.id, 'running', 120_000);
    expect(branch.endpoint.port).not.toBe(parent.endpoint.port);
    expect(await notes(branch.endpoint)).toEqual(['t1']);
    expect(await notes(parent.endpoint)).toEqual(['t1', 't2', 't3']);

    // In place, to between t2 and t3: exactly t1 and t2; the state before is kept as a branch with all three.
    const restored = await client.api('POST', `/v1/clusters/${parent.id}/restore`, session.token, { target_time: betweenT2AndT3 });
    expect(restored.status).toBe(202);
    const op = await operationEnds(session, restored.body.operation.id);
    expect(op.status, op.error ?? '').toBe('finished');
    const after = await client.until(session, parent.id, 'running');
    expect(await notes(after.endpoint)).toEqual(['t1', 't2']);
    const preserved = await client.until(session, restored.body.preserved_branch.id, 'running', 120_000);
    expect(await notes(preserved.endpoint)).toEqual(['t1', 't2', 't3']);
    const children = (await client.api('GET', `/v1/clusters/${parent.id}/branches`, session.token)).body.data.map((c: { id: string }) => c.id);
    expect(children).toEqual(expect.arrayContaining([branch.id, preserved.id]));

    // Bad input loses nothing: a time outside the window is refused with the window.
    const outside = await client.api('POST', `/v1/clusters/${parent.id}/restore`, session.token, { target_time: '2001-01-01T00:00:00.000Z' });
    expect(outside.status).toBe(422);
    expect(outside.body.error).toMatchObject({ code: 'target_outside_window', details: { earliest: expect.any(String), latest: expect.any(String) } });
    expect(await notes(after.endpoint)).toEqual(['t1', 't2']);
  }, 420_000);

  it('fails a backup clearly while the object store is down, and the next one succeeds', async () => {
    const port = Number(new URL(store.endpoint).port);
    await store.stop();
    try {
      const { operation, backup } = await backUpNow(session, parent.id, 'failed');
      expect(operation.error).toContain(`127.0.0.1:${port}`);
      expect(backup).toMatchObject({ status: 'failed', error: expect.stringContaining('object store') });
    } finally {
      store = await startObjectStore({ dataDir: store.dataDir, port });
    }
    const { backup } = await backUpNow(session, parent.id);
    expect(backup.status).toBe('completed');
  }, 240_000);

  it('never leaves a backup stuck when the agent is killed in the middle of it', async () => {
    const big = await runningCluster(session, 'ledger-big');
    // About 150 MB, so the backup is still running when the agent goes.
    await sql(big.endpoint, PASSWORD, "create table filler as select g as id, repeat('x', 100) as pad from generate_series(1, 1200000) g");
    const started = await client.api('POST', `/v1/clusters/${big.id}/backups`, session.token);
    const deadline = Date.now() + 60_000;
    while ((await client.api('GET', `/v1/backups/${started.body.backup.id}`, session.token)).body.backup.status !== 'running') {
      if (Date.now() > deadline) throw new Error('the backup never started');
      await pause(50);
    }
    await stack.stopAgent('SIGKILL');
    await stack.startAgent();
    const op = await operationEnds(session, started.body.operation.id, 180_000);
    // Taken again by the restarted agent (the id is remembered only once a backup ends), or failed saying why.
    expect(['finished', 'failed']).toContain(op.status);
    const backup = (await client.api('GET', `/v1/backups/${started.body.backup.id}`, session.token)).body.backup;
    expect(['completed', 'failed']).toContain(backup.status);
  }, 300_000);

  it('reports a gap in the archived WAL', async () => {
    const objects = new ObjectStore(storeConfig());
    try {
      const segments = (await objects.list(walPrefix(parent.id))).filter((o) => /\/[0-9A-F]{24}\.zst$/.test(o.key));
      expect(segments.length).toBeGreaterThan(2);
      // One from the middle of what the oldest backup needs.
      await objects.delete([segments[1]!.key]);
    } finally {
      objects.close();
    }
    await backUpNow(session, parent.id);
    const deadline = Date.now() + 30_000;
    let window = (await client.api('GET', `/v1/clusters/${parent.id}/restore-window`, session.token)).body;
    while (!window.wal_gap && Date.now() < deadline) {
      await pause(250);
      window = (await client.api('GET', `/v1/clusters/${parent.id}/restore-window`, session.token)).body;
    }
    expect(window.wal_gap).toMatch(/is missing from the archive/);
    expect(await client.eventTypes(session, parent.id)).toContain('wal_gap');
  }, 240_000);
});
