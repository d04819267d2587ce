// The whole local stack, as a user runs it: `wrangler dev` with the Durable Objects and Queues, the embedded
// catalog, the local region's agent as its own process, and real PostgreSQL servers it provisions. Clusters are
// driven over HTTP, followed over the realtime WebSocket, and used with a real Postgres client.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startStack, type Stack } from '../dev/stack.ts';
import { portOpen, sql, stackClient } from './stack-client.ts';
import { baseBackupKey } from '../agent/backup/layout.ts';
import { ObjectStore } from '../agent/backup/object-store.ts';

let stack: Stack;
let dataDir: string;
let client: ReturnType<typeof stackClient>;
const logs: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-e2e-'));
  const port = 28787 + Math.floor(Math.random() * 1000);
  stack = await startStack({ dataDir, port, wranglerLogLevel: 'warn', output: (source, line) => logs.push(`[${source}] ${line}`) });
  client = stackClient(stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (dataDir) await removeDataDir(dataDir);
}, 60_000);

describe('a PostgreSQL cluster on the local stack, end to end', () => {
  it('is created, used over SQL, put to sleep, woken, re-keyed and deleted', async () => {
    const session = await client.signUp();
    const created = await client.api('POST', '/v1/clusters', session.token, { name: 'e2e-main', region_id: stack.localRegionId, password: 'first-password-123' });
    expect(created.status).toBe(202);
    const id = created.body.cluster.id;
    const live = await client.watch(session, id);

    const running = await live.status('running');
    await live.operation(created.body.operation.id);
    const endpoint = running.cluster.endpoint;
    expect(endpoint.host).toBe('127.0.0.1');
    const conn = await client.api('GET', `/v1/clusters/${id}/connection?reveal=true`, session.token);
    expect(conn.body.password).toBe('first-password-123');
    const db = new pg.Client({ connectionString: conn.body.value });
    await db.connect();
    await db.query('create table notes (id serial primary key, body text not null)');
    await db.query("insert into notes (body) values ('kept across sleep')");
    await db.end();
    await expect(sql(endpoint, 'wrong-password-000', 'select 1')).rejects.toThrow(/password authentication failed/);

    const slept = await client.api('POST', `/v1/clusters/${id}/sleep`, session.token);
    expect(slept.status).toBe(202);
    await live.operation(slept.body.operation.id);
    expect((await client.api('GET', `/v1/clusters/${id}`, session.token)).body.cluster).toMatchObject({ status: 'sleeping', endpoint: null });
    expect(await portOpen(endpoint.port)).toBe(false);
    await expect(sql(endpoint, 'first-password-123', 'select 1')).rejects.toThrow();

    const woke = await client.api('POST', `/v1/clusters/${id}/wake`, session.token);
    await live.operation(woke.body.operation.id);
    const awake = (await client.api('GET', `/v1/clusters/${id}`, session.token)).body.cluster;
    expect(awake.status).toBe('running');
    const rows = await sql(awake.endpoint, 'first-password-123', 'select body from notes');
    expect(rows.rows).toEqual([{ body: 'kept across sleep' }]);

    const rotated = await client.api('POST', `/v1/clusters/${id}/password/rotate`, session.token, { password: 'second-password-456' });
    await live.operation(rotated.body.operation.id);
    await expect(sql(awake.endpoint, 'first-password-123', 'select 1')).rejects.toThrow(/password authentication failed/);
    expect((await sql(awake.endpoint, 'second-password-456', 'select count(*)::int as n from notes')).rows).toEqual([{ n: 1 }]);

    const deleted = await client.api('DELETE', `/v1/clusters/${id}`, session.token);
    await live.operation(deleted.body.operation.id);
    expect((await client.api('GET', `/v1/clusters/${id}`, session.token)).body.cluster.status).toBe('deleted');
    expect(await portOpen(awake.endpoint.port)).toBe(false);
    expect(existsSync(join(dataDir, 'agent', 'clusters', id))).toBe(false);
    const types = await client.eventTypes(session, id);
    // Every command travels two paths (the queue and the direct RPC), so each reached the region twice and
    // the replays on reconnect add more: each was still applied once.
    expect(types.filter((t: string) => t === 'created')).toHaveLength(1);
    expect(types.filter((t: string) => t === 'password_rotated')).toHaveLength(1);
    expect(types.filter((t: string) => t === 'deleted')).toHaveLength(1);
    live.close();
  }, 120_000);

  it('converges after the agent is killed in the middle of a create', async () => {
    const session = await client.signUp();
    const created = await client.api('POST', '/v1/clusters', session.token, { name: 'e2e-killed', region_id: stack.localRegionId, password: 'killed-password-1' });
    expect(created.status).toBe(202);
    await stack.stopAgent('SIGKILL');
    await stack.startAgent();
    const cluster = await client.until(session, created.body.cluster.id, 'running');
    expect((await sql(cluster.endpoint, 'killed-password-1', 'select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    const op = await client.api('GET', `/v1/operations/${created.body.operation.id}`, session.token);
    expect(op.body.operation.status).toBe('finished');
    await client.api('DELETE', `/v1/clusters/${created.body.cluster.id}`, session.token);
  }, 120_000);

  it('applies commands sent while the agent was offline once it reconnects', async () => {
    const session = await client.signUp();
    const created = await client.api('POST', '/v1/clusters', session.token, { name: 'e2e-offline', region_id: stack.localRegionId, password: 'offline-password-1' });
    const running = await client.until(session, created.body.cluster.id, 'running');
    await stack.stopAgent('SIGTERM');
    const slept = await client.api('POST', `/v1/clusters/${created.body.cluster.id}/sleep`, session.token);
    expect(slept.status).toBe(202);
    // Nobody is there to apply it: still in flight, and it says what it waits for.
    await new Promise((r) => setTimeout(r, 1000));
    const waiting = (await client.api('GET', `/v1/operations/${slept.body.operation.id}`, session.token)).body.operation;
    expect(waiting.status).toBe('running');
    expect(waiting.status_message).toMatch(/^Waiting for the region's agent, offline since \d{4}-/);
    expect((await client.api('GET', `/v1/clusters/${created.body.cluster.id}`, session.token)).body.cluster.health).toBe('unknown');
    await stack.startAgent();
    await client.until(session, created.body.cluster.id, 'sleeping');
    expect((await client.api('GET', `/v1/operations/${slept.body.operation.id}`, session.token)).body.operation).toMatchObject({ status: 'finished', status_message: null });
    expect(await portOpen(running.endpoint.port)).toBe(false);
    await client.api('DELETE', `/v1/clusters/${created.body.cluster.id}`, session.token);
  }, 120_000);

  it('takes 20 clusters created at once to running, with no operation left stuck', async () => {
    const session = await client.signUp();
    const creates = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.api('POST', '/v1/clusters', session.token, { name: `e2e-many-${i}`, region_id: stack.localRegionId, password: `many-password-${i}-x` }),
      ),
    );
    expect(creates.map((r) => r.status)).toEqual(Array(20).fill(202));
    const clusters = await Promise.all(creates.map((r) => client.until(session, r.body.cluster.id, 'running', 120_000)));
    const ports = new Set(clusters.map((c) => c.endpoint.port));
    expect(ports.size).toBe(20);
    const answers = await Promise.all(clusters.map((c, i) => sql(c.endpoint, `many-password-${i}-x`, 'select $1::int as i', [i])));
    expect(answers.map((a) => a.rows[0].i)).toEqual([...Array(20).keys()]);
    const ops = await client.api('GET', `/v1/operations?limit=100`, session.token);
    expect(ops.body.data.filter((o: any) => o.status !== 'finished')).toEqual([]);
    await Promise.all(clusters.map((c) => client.api('DELETE', `/v1/clusters/${c.id}`, session.token)));
    await Promise.all(clusters.map((c) => client.until(session, c.id, 'deleted', 120_000)));
  }, 240_000);

  it('restarts a killed agent: 5 creates and 5 deletes in flight all end within 30 s, and every status agrees with psql', async () => {
    const session = await client.signUp();
    const doomed = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        client.api('POST', '/v1/clusters', session.token, { name: `e2e-doomed-${i}`, region_id: stack.localRegionId, password: `doomed-password-${i}` }),
      ),
    );
    const doomedClusters = await Promise.all(doomed.map((r) => client.until(session, r.body.cluster.id, 'running', 120_000)));
    const restartsBefore = stack.agentRestarts;

    const [creates, deletes] = await Promise.all([
      Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          client.api('POST', '/v1/clusters', session.token, { name: `e2e-outage-${i}`, region_id: stack.localRegionId, password: `outage-password-${i}` }),
        ),
      ),
      Promise.all(doomedClusters.map((c) => client.api('DELETE', `/v1/clusters/${c.id}`, session.token))),
    ]);
    expect([...creates, ...deletes].map((r) => r.status)).toEqual(Array(10).fill(202));
    const operationIds = [...creates, ...deletes].map((r) => r.body.operation.id as string);
    // Killed from outside while the ten are in flight, as a crash or the OOM killer would.
    await new Promise((r) => setTimeout(r, 150));
    const killedAt = Date.now();
    process.kill(stack.agent!.pid!, 'SIGKILL');

    const ended = new Map<string, any>();
    while (ended.size < operationIds.length && Date.now() - killedAt < 30_000) {
      for (const id of operationIds) {
        if (ended.has(id)) continue;
        const op = (await client.api('GET', `/v1/operations/${id}`, session.token)).body.operation;
        if (op.status !== 'pending' && op.status !== 'running') ended.set(id, op);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(ended.size, `operations still in flight 30 s after the kill: ${operationIds.filter((id) => !ended.has(id)).join(', ')}`).toBe(10);
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect(stack.agentRestarts).toBeGreaterThan(restartsBefore);
    expect(logs.some((line) => /^\[stack\] agent exited \(SIGKILL\); restarting in \d+ ms/.test(line))).toBe(true);
    const unfinished = [...ended.values()].filter((op) => op.status !== 'finished').map((op) => `${op.action} ${op.status}: ${op.error}`);
    expect([...ended.values()].map((op) => op.status), unfinished.join('; ')).toEqual(Array(10).fill('finished'));

    // What the API says is what psql finds.
    for (const [i, created] of creates.entries()) {
      const cluster = (await client.api('GET', `/v1/clusters/${created.body.cluster.id}`, session.token)).body.cluster;
      expect(cluster.status).toBe('running');
      expect((await sql(cluster.endpoint, `outage-password-${i}`, 'select 1 as ok')).rows).toEqual([{ ok: 1 }]);
      await client.api('DELETE', `/v1/clusters/${cluster.id}`, session.token);
    }
    for (const cluster of doomedClusters) {
      expect((await client.api('GET', `/v1/clusters/${cluster.id}`, session.token)).body.cluster.status).toBe('deleted');
      expect(await portOpen(cluster.endpoint.port)).toBe(false);
    }
  }, 240_000);

  it('backs up now into the region\'s object store: the operation ends with the backup, whose bytes are stored with their checksum', async () => {
    const session = await client.signUp();
    const created = await client.api('POST', '/v1/clusters', session.token, { name: 'e2e-backup', region_id: stack.localRegionId, password: 'backup-password-1' });
    const running = await client.until(session, created.body.cluster.id, 'running');
    await sql(running.endpoint, 'backup-password-1', "create table kept (note text); insert into kept values ('in the backup')");
    const started = await client.api('POST', `/v1/clusters/${running.id}/backups`, session.token);
    expect(started.status).toBe(202);
    const live = await client.watch(session, running.id);
    await live.operation(started.body.operation.id, 'finished', 60_000);
    const backup = (await client.api('GET', `/v1/backups/${started.body.backup.id}`, session.token)).body.backup;
    expect(backup).toMatchObject({ status: 'completed', kind: 'manual', error: null });
    expect(backup.size_bytes).toBeGreaterThan(0);
    expect(backup.end_lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const store = new ObjectStore(stack.objectStore!);
    const stored = await store.head(baseBackupKey(running.id, backup.id));
    store.close();
    expect(stored).toMatchObject({ size: backup.size_bytes, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await client.api('GET', `/v1/clusters/${running.id}`, session.token)).body.cluster.status).toBe('running');
    live.close();
    await client.api('DELETE', `/v1/clusters/${running.id}`, session.token);
  }, 120_000);
});
