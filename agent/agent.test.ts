import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startAgent, type AgentOptions, type RunningAgent } from './agent.ts';
import { FakeControlPlane } from './testing/fake-control-plane.ts';
import { FakeDriver } from './testing/fake-driver.ts';
import { collectingLogger, tempDir, waitFor, type CollectingLogger } from './testing/fixtures.ts';

describe('agent against a fake control plane', () => {
  let cp: FakeControlPlane;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let driver: FakeDriver;
  let log: CollectingLogger;
  const running: RunningAgent[] = [];

  const start = async (options: Partial<AgentOptions> = {}) => {
    const agent = await startAgent({
      url: cp.url,
      dataDir: dir.path,
      driver,
      logger: log,
      reconnect: { baseMs: 20, capMs: 200 },
      healthyAfterMs: 200,
      checkIntervalMs: 0,
      ...options,
    });
    running.push(agent);
    return agent;
  };
  const stopAll = async () => {
    for (const agent of running.splice(0)) await agent.stop();
  };
  const hellos = () => cp.messages('hello');

  beforeEach(async () => {
    cp = await new FakeControlPlane().start();
    dir = await tempDir('agent');
    driver = new FakeDriver();
    log = collectingLogger();
  });

  afterEach(async () => {
    await stopAll();
    await cp.stop();
    await dir.remove();
    expect(cp.invalid).toEqual([]);
  });

  test('registers, says hello, records then acks commands, applies and reports', async () => {
    const token = cp.registrationToken();
    const agent = await start({ registrationToken: token });
    await agent.waitForConnection(5000);
    expect(cp.registrations).toBe(1);
    const hello = await cp.waitFor('hello');
    expect(hello).toMatchObject({ protocol: 1, driver: 'local', clusters: [] });
    expect(hello.agent_version).toMatch(/^\d+\.\d+\.\d+/);

    const statePath = join(dir.path, 'state.json');
    expect((await stat(statePath)).mode & 0o777).toBe(0o600);
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    expect(state).toMatchObject({ region_id: cp.regionId, region_key: cp.regionKey });
    expect(state.credential).toMatch(/^agentcred_/);

    // The ack promises the command is on disk: look at the state file the moment the ack arrives.
    let recordedAtAck: unknown = null;
    cp.onMessage = (message) => {
      if (message.type === 'ack') recordedAtAck = JSON.parse(readFileSync(statePath, 'utf8')).clusters.cl_one;
    };
    const create = await cp.command('cl_one', 1, 'first-password');
    cp.send(create);
    await cp.waitFor('ack', (ack) => ack.command_id === create.command_id);
    expect(recordedAtAck).toMatchObject({ pending: { command_id: create.command_id } });
    const status = await cp.waitFor('status', (s) => s.cluster_id === 'cl_one' && s.phase === 'running');
    expect(status).toMatchObject({ observed_generation: 1, ready_instances: 1, endpoint: { host: '127.0.0.1' } });
    expect(cp.messages('event').map((event) => event.event_type)).toEqual(['created']);
    expect(driver.applies[0]!.password).toBe('first-password');

    // Nothing secret in the logs or the file's clear text.
    const logs = log.lines.join('\n');
    for (const secret of [token, state.credential, cp.regionKey, 'first-password']) expect(logs).not.toContain(secret);
    expect(readFileSync(statePath, 'utf8')).not.toContain('first-password');
  });

  test('reconnects after the control plane drops it, with backoff, and resumes', async () => {
    const agent = await start({ registrationToken: cp.registrationToken() });
    await agent.waitForConnection(5000);
    const create = await cp.command('cl_one', 1, 'pw');
    cp.send(create);
    await cp.waitFor('status', (s) => s.phase === 'running');

    // Two refused attempts, then accepted: the agent keeps trying.
    cp.refuseUpgrades = 2;
    cp.drop();
    await waitFor(() => cp.connections === 2, 10_000, 'a second connection');
    expect(log.lines.filter((line) => line.includes('could not connect to the control plane')).length).toBeGreaterThanOrEqual(2);
    // A new connection starts with hello (applied generations), then the latest statuses.
    await waitFor(() => cp.received.filter((r) => r.connection === 2).length >= 2, 5000, 'hello and status');
    const afterReconnect = cp.received.filter((r) => r.connection === 2).map((r) => r.message);
    expect(afterReconnect[0]).toMatchObject({ type: 'hello', clusters: [{ cluster_id: 'cl_one', generation: 1 }] });
    expect(afterReconnect.slice(1).some((m) => m.type === 'status' && m.cluster_id === 'cl_one' && m.phase === 'running')).toBe(true);

    // And it works as before.
    cp.send(await cp.command('cl_one', 2, 'pw', { state: 'sleeping' }, 'sleep'));
    await cp.waitFor('status', (s) => s.phase === 'sleeping' && s.observed_generation === 2);
  });

  test('messages produced while disconnected are sent after the next hello', async () => {
    const agent = await start({ registrationToken: cp.registrationToken(), checkIntervalMs: 50 });
    await agent.waitForConnection(5000);
    cp.send(await cp.command('cl_one', 1, 'pw'));
    await cp.waitFor('status', (s) => s.phase === 'running');

    cp.refuseUpgrades = 1000;
    cp.drop();
    await waitFor(() => !agent.connected(), 5000, 'the agent to notice');
    // The server dies while the agent is cut off; the drift check restarts it and reports, into the queue.
    driver.crash('cl_one');
    await waitFor(() => driver.applies.length === 2, 5000, 'the drift check to re-apply');
    cp.refuseUpgrades = 0;
    await agent.waitForConnection(5000);
    const third = await waitFor(() => {
      const messages = cp.received.filter((r) => r.connection === 2).map((r) => r.message);
      return messages.some((m) => m.type === 'event' && m.event_type === 'started') ? messages : undefined;
    }, 5000, 'the queued event');
    expect(third[0]!.type).toBe('hello');
  });

  test('invalid messages are dropped and the connection carries on', async () => {
    const agent = await start({ registrationToken: cp.registrationToken() });
    await agent.waitForConnection(5000);
    cp.send('this is not json');
    cp.send({ type: 'command', command_id: 'x' });
    cp.send({ type: 'teleport', id: 'x' });
    cp.send({ type: 'ping', id: 'p1', at: new Date().toISOString() });
    await cp.waitFor('pong', (pong) => pong.id === 'p1');
    expect(cp.connections).toBe(1);
    expect(log.lines.filter((line) => line.includes('dropped')).length).toBe(3);
    expect(driver.applies).toHaveLength(0);
  });

  test('answers a request about a cluster it does not hold with not_found', async () => {
    const agent = await start({ registrationToken: cp.registrationToken() });
    await agent.waitForConnection(5000);
    cp.send({ type: 'request', id: 'rq1', cluster_id: 'cl_one', kind: 'schema', payload: {} });
    expect(await cp.waitFor('response', (r) => r.id === 'rq1')).toMatchObject({ ok: false, code: 'not_found' });
  });

  test('after a restart it keeps its credential and says hello with the generations it applied', async () => {
    const first = await start({ registrationToken: cp.registrationToken() });
    await first.waitForConnection(5000);
    cp.send(await cp.command('cl_one', 3, 'pw'));
    await cp.waitFor('status', (s) => s.phase === 'running' && s.observed_generation === 3);
    await stopAll();
    expect(driver.shutdownCalls).toBe(1);

    // No token this time: the state file's credential is enough.
    const second = await start();
    await second.waitForConnection(5000);
    await waitFor(() => hellos().length === 2, 5000, 'a second hello');
    expect(hellos()[1]!.clusters).toEqual([{ cluster_id: 'cl_one', generation: 3 }]);
    expect(cp.registrations).toBe(1);
    // The local servers stopped with the agent; the restarted agent brings the cluster back on its own.
    await cp.waitFor('event', (e) => e.event_type === 'started');
    await waitFor(() => cp.messages('status').filter((s) => s.phase === 'running' && s.observed_generation === 3).length >= 2, 5000, 'running again');
  });

  test('registers again when the control plane refuses its credential and a token is at hand', async () => {
    const token = cp.registrationToken();
    const agent = await start({ registrationToken: token });
    await agent.waitForConnection(5000);
    cp.revokeCredentials();
    cp.allowToken(token);
    cp.drop();
    await waitFor(() => cp.registrations === 2 && cp.connections === 2, 10_000, 'a second registration');
    expect(log.lines.some((line) => line.includes('registering again'))).toBe(true);
  });

  test('without a token, a refused credential is logged clearly and retried', async () => {
    const first = await start({ registrationToken: cp.registrationToken() });
    await first.waitForConnection(5000);
    await stopAll();
    cp.revokeCredentials();
    const agent = await start();
    await waitFor(() => log.lines.filter((line) => line.includes('no registration token to register again')).length >= 2, 10_000, 'retries');
    expect(agent.connected()).toBe(false);
  });

  test('a new registration token registers again; a refused one leaves it on the credential it holds', async () => {
    const first = await start({ registrationToken: cp.registrationToken() });
    await first.waitForConnection(5000);
    await stopAll();
    const second = await start({ registrationToken: cp.registrationToken() });
    await second.waitForConnection(5000);
    expect(cp.registrations).toBe(2);
    await stopAll();
    const third = await start({ registrationToken: 'rt_never_issued_by_the_control_plane' });
    await third.waitForConnection(5000);
    expect(cp.registrations).toBe(2);
    expect(log.lines.some((line) => line.includes('new registration token was refused'))).toBe(true);
  });

  test('renews its credential before it expires and uses the new one', async () => {
    cp.credentialTtlMs = 1000;
    const agent = await start({ registrationToken: cp.registrationToken() });
    await agent.waitForConnection(5000);
    await waitFor(() => cp.renewals >= 1, 5000, 'a renewal');
    const renewed = JSON.parse(readFileSync(join(dir.path, 'state.json'), 'utf8')).credential as string;
    cp.drop();
    await waitFor(() => cp.connections === 2, 5000, 'a reconnect');
    expect(cp.credentialsSeen.at(-1)).not.toBe(cp.credentialsSeen[0]);
    expect(cp.credentialsSeen).toContain(renewed);
  });

  test('a silent connection is presumed dead and replaced; pings keep it alive', async () => {
    const agent = await start({ registrationToken: cp.registrationToken(), idleTimeoutMs: 300 });
    await agent.waitForConnection(5000);
    const pinger = setInterval(() => cp.connected && cp.send({ type: 'ping', id: 'hb', at: new Date().toISOString() }), 100);
    await new Promise((resolve) => setTimeout(resolve, 800));
    clearInterval(pinger);
    expect(cp.connections).toBe(1);
    await waitFor(() => cp.connections === 2, 5000, 'a reconnect after silence');
    expect(log.lines.some((line) => line.includes('idle timeout'))).toBe(true);
  });

  test('a resync is applied like commands, acked, and unknown clusters are reported', async () => {
    const agent = await start({ registrationToken: cp.registrationToken() });
    await agent.waitForConnection(5000);
    cp.send(await cp.command('cl_orphan', 1, 'pw'));
    await cp.waitFor('status', (s) => s.cluster_id === 'cl_orphan' && s.phase === 'running');
    const create = await cp.command('cl_two', 4, 'pw');
    cp.send({ type: 'resync', commands: [create], known_cluster_ids: ['cl_two'] });
    await cp.waitFor('ack', (ack) => ack.command_id === create.command_id);
    await cp.waitFor('status', (s) => s.cluster_id === 'cl_two' && s.phase === 'running' && s.observed_generation === 4);
    await cp.waitFor('event', (e) => e.cluster_id === 'cl_orphan' && e.event_type === 'orphan');
  });

  test('stopping lets the apply in progress finish, reports it, and records it', async () => {
    const agent = await start({ registrationToken: cp.registrationToken() });
    await agent.waitForConnection(5000);
    driver.hold();
    const create = await cp.command('cl_one', 1, 'pw');
    cp.send(create);
    await waitFor(() => driver.applies.length === 1, 5000, 'the apply to start');
    running.length = 0;
    const stopping = agent.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Taken no more while stopping: not acked, so the control plane sends it to the next run.
    const late = await cp.command('cl_two', 1, 'pw');
    cp.send(late);
    driver.release();
    await stopping;
    expect(cp.messages('status').some((s) => s.cluster_id === 'cl_one' && s.phase === 'running' && s.observed_generation === 1)).toBe(true);
    expect(cp.messages('ack').map((ack) => ack.command_id)).toEqual([create.command_id]);
    const state = JSON.parse(readFileSync(join(dir.path, 'state.json'), 'utf8'));
    expect(state.clusters.cl_one).toMatchObject({ applied_generation: 1, failure: null });
    expect(state.clusters.cl_two).toBeUndefined();
    expect(driver.shutdownCalls).toBe(1);
  });

  test('refuses to start without a credential or a token, and a second agent on one data dir', async () => {
    await expect(start()).rejects.toThrow(/registration token/);
    await start({ registrationToken: cp.registrationToken() });
    await expect(start({ registrationToken: cp.registrationToken() })).rejects.toThrow(/another agent/);
  });
});
