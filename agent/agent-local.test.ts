// The agent end to end on the real local driver (native PostgreSQL when installed, else PGlite), against the
// fake control plane: a create becomes a server an application can log in to, sleep and delete do what they
// say, and a graceful stop and restart bring the cluster back with its data.
import pg from 'pg';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { startAgent, type RunningAgent } from './agent.ts';
import { isAccepting } from './drivers/local/free-port.ts';
import { FakeControlPlane } from './testing/fake-control-plane.ts';
import { collectingLogger, tempDir, waitFor } from './testing/fixtures.ts';

let cp: FakeControlPlane;
let dir: Awaited<ReturnType<typeof tempDir>>;
const agents: RunningAgent[] = [];

beforeEach(async () => {
  cp = await new FakeControlPlane().start();
  dir = await tempDir('agent-local');
});

afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.stop();
  await cp.stop();
  await dir.remove();
});

async function query(port: number, password: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'app', password, database: 'app', connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

test('create, use, stop and restart the agent, sleep and delete a cluster on the local driver', async () => {
  const log = collectingLogger();
  const start = async (token: string | null) => {
    const agent = await startAgent({ url: cp.url, registrationToken: token, dataDir: dir.path, logger: log, checkIntervalMs: 0, reconnect: { baseMs: 20, capMs: 200 } });
    agents.push(agent);
    await agent.waitForConnection(10_000);
    return agent;
  };
  const agent = await start(cp.registrationToken());

  cp.send(await cp.command('cl_local', 1, 'app-password-1'));
  const running = await cp.waitFor('status', (s) => s.phase === 'running' && s.observed_generation === 1, 60_000);
  const port = running.endpoint!.port;
  await query(port, 'app-password-1', "CREATE TABLE t AS SELECT 'survives restarts' AS note");
  const created = await cp.waitFor('event', (e) => e.event_type === 'created');
  expect(created.message).toMatch(/native PostgreSQL|PGlite/);

  // A graceful stop stops the servers it runs; the next start brings them back as recorded.
  await agent.stop();
  agents.length = 0;
  expect(await isAccepting(port)).toBe(false);
  await start(null);
  const back = await waitFor(
    () => cp.messages('status').filter((s) => s.phase === 'running' && s.observed_generation === 1).at(1),
    60_000,
    'the cluster running again after the restart',
  );
  expect((await query(back.endpoint!.port, 'app-password-1', 'SELECT note FROM t')).rows).toEqual([{ note: 'survives restarts' }]);

  cp.send(await cp.command('cl_local', 2, 'app-password-1', { state: 'sleeping' }, 'sleep'));
  await cp.waitFor('status', (s) => s.phase === 'sleeping' && s.observed_generation === 2, 30_000);
  expect(await isAccepting(back.endpoint!.port)).toBe(false);

  cp.send(await cp.command('cl_local', 3, 'app-password-1', { state: 'deleted' }, 'delete'));
  await cp.waitFor('status', (s) => s.phase === 'deleted' && s.observed_generation === 3, 30_000);
  expect(cp.invalid).toEqual([]);
  expect(log.lines.join('\n')).not.toContain('app-password-1');
}, 120_000);
