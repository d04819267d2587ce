// One lifecycle test for the local driver, run against each engine (native-engine.test.ts, pglite-engine.test.ts):
// create, connect as the application role, refuse a wrong password, sleep, wake with the data kept, rotate
// the password, resize, delete; applying the same spec twice changes nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import type { ClusterSpec } from '../../protocol/agent.ts';
import type { DriverEvent } from '../drivers/driver.ts';
import { isAccepting } from '../drivers/local/free-port.ts';
import { LocalDriver } from '../drivers/local/local-driver.ts';
import type { EngineKind } from '../drivers/local/local-engine.ts';
import { clusterSpec, collectingLogger, tempDir } from './fixtures.ts';

async function connect(port: number, user: string, password: string, database: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database, connectionTimeoutMillis: 5000 });
  await client.connect();
  return client;
}

async function connectError(port: number, user: string, password: string, database: string): Promise<{ code?: string; message: string }> {
  try {
    const client = await connect(port, user, password, database);
    await client.end();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('the connection was expected to fail');
}

export async function runLocalDriverLifecycle(engine: EngineKind): Promise<void> {
  const dir = await tempDir(`driver-${engine}`);
  const log = collectingLogger();
  const driver = new LocalDriver({ dataDir: dir.path, log, engine });
  const clusterId = `cl_${engine}_lifecycle`;
  const events: DriverEvent[] = [];
  const emit = (event: DriverEvent) => events.push(event);
  const apply = (spec: ClusterSpec, password: string, record: Record<string, unknown> | null) =>
    driver.apply({ clusterId, spec, password, record, emit });
  const typesOf = () => events.map((event) => event.event_type);
  const firstPassword = 'first-Secret-1';
  const secondPassword = 'second-Secret-2';
  try {
    const spec = clusterSpec({ username: 'app_user', database: 'app_db', size: 'small' });

    // Create, and time it until SQL is accepted: the local provisioning target is under 3 s.
    const started = performance.now();
    const created = await apply(spec, firstPassword, null);
    const client = await connect(created.observation.endpoint!.port, 'app_user', firstPassword, 'app_db');
    await client.query('SELECT 1');
    const createMs = Math.round(performance.now() - started);
    console.log(`[timing] local driver, ${engine}: create -> accepting SQL in ${createMs} ms (includes the one-time template)`);
    expect(created.observation.state).toBe('running');
    expect(created.observation.endpoint?.host).toBe('127.0.0.1');
    expect(created.observation.ready_instances).toBe(1);
    expect(typesOf()).toEqual(['created']);
    expect(events[0]!.message).toMatch(engine === 'native' ? /native PostgreSQL \d+/ : /PGlite .*PostgreSQL \d+/);
    expect(events[0]!.message).toMatch(/requested 17|PostgreSQL 17/);
    const port = created.observation.endpoint!.port;

    await client.query('CREATE TABLE notes (id int primary key, body text)');
    await client.query("INSERT INTO notes VALUES (1, 'kept across sleep')");
    expect((await client.query('SELECT current_user, current_database()')).rows[0]).toEqual({ current_user: 'app_user', current_database: 'app_db' });
    await client.end();

    const wrong = await connectError(port, 'app_user', 'not-the-password', 'app_db');
    expect(wrong.code).toBe('28P01');

    // A second create with the same spec is harmless: same server, no event.
    const again = await apply(spec, firstPassword, created.record);
    expect(again.observation.endpoint?.port).toBe(port);
    expect(typesOf()).toEqual(['created']);

    // A second cluster, created while the first runs, is timed without the template's one-time cost.
    const secondId = `${clusterId}_2`;
    const secondStarted = performance.now();
    const second = await driver.apply({ clusterId: secondId, spec, password: firstPassword, record: null, emit: () => {} });
    const secondClient = await connect(second.observation.endpoint!.port, 'app_user', firstPassword, 'app_db');
    await secondClient.query('SELECT 1');
    console.log(`[timing] local driver, ${engine}: create -> accepting SQL in ${Math.round(performance.now() - secondStarted)} ms (template ready)`);
    await secondClient.end();
    await driver.apply({ clusterId: secondId, spec: { ...spec, state: 'deleted' }, password: firstPassword, record: second.record, emit: () => {} });

    // Sleep: data kept, port closed, connections refused.
    const slept = await apply({ ...spec, state: 'sleeping' }, firstPassword, again.record);
    expect(slept.observation.state).toBe('sleeping');
    expect(slept.observation.endpoint).toBeNull();
    expect((await connectError(port, 'app_user', firstPassword, 'app_db')).code).toBe('ECONNREFUSED');
    expect((await driver.observe(clusterId, spec, slept.record)).state).toBe('sleeping');
    expect(typesOf()).toEqual(['created', 'stopped']);

    // Wake: same port when free, data still there.
    const woken = await apply(spec, firstPassword, slept.record);
    expect(woken.observation.state).toBe('running');
    expect(woken.observation.endpoint?.port).toBe(port);
    const afterWake = await connect(port, 'app_user', firstPassword, 'app_db');
    expect((await afterWake.query('SELECT body FROM notes WHERE id = 1')).rows[0]).toEqual({ body: 'kept across sleep' });
    await afterWake.end();
    expect(typesOf()).toEqual(['created', 'stopped', 'started']);

    // Rotate: the old password is refused, the new one works.
    const rotated = await apply(spec, secondPassword, woken.record);
    expect(typesOf()).toEqual(['created', 'stopped', 'started', 'password_rotated']);
    expect((await connectError(port, 'app_user', firstPassword, 'app_db')).code).toBe('28P01');
    const afterRotate = await connect(port, 'app_user', secondPassword, 'app_db');
    expect((await afterRotate.query('SELECT count(*)::int AS n FROM notes')).rows[0]).toEqual({ n: 1 });
    await afterRotate.end();

    // Resize: recorded, with the size's connection limit where the engine has one.
    const resized = await apply({ ...spec, size: 'medium', instances: 3 }, secondPassword, rotated.record);
    expect(typesOf().at(-1)).toBe('resized');
    expect(resized.observation.message).toContain('local driver runs 1 instance of 3');
    expect(resized.observation.message).toMatch(/not limit CPU|not limited by the local driver/);
    const afterResize = await connect(resized.observation.endpoint!.port, 'app_user', secondPassword, 'app_db');
    if (engine === 'native') expect((await afterResize.query('SHOW max_connections')).rows[0]).toEqual({ max_connections: '200' });
    await afterResize.end();

    // Delete: port closed, data gone; deleting again is fine.
    const deleted = await apply({ ...spec, state: 'deleted' }, secondPassword, resized.record);
    expect(deleted.observation.state).toBe('deleted');
    expect(await isAccepting(resized.observation.endpoint!.port)).toBe(false);
    expect(existsSync(join(dir.path, 'clusters', clusterId))).toBe(false);
    expect(typesOf().at(-1)).toBe('deleted');
    const deletedAgain = await apply({ ...spec, state: 'deleted' }, secondPassword, null);
    expect(deletedAgain.observation.state).toBe('deleted');
    expect(typesOf().filter((type) => type === 'deleted')).toHaveLength(1);

    // Nothing the driver logged holds a password.
    for (const line of log.lines) {
      expect(line).not.toContain(firstPassword);
      expect(line).not.toContain(secondPassword);
    }
  } finally {
    await driver.shutdown();
    await dir.remove();
  }
}
