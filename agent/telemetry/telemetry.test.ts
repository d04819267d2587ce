// The agent's telemetry against a real native PostgreSQL server run by the local driver: metrics under a load the test
// makes, health probes up and down, and the server log followed live and read back, the password never in either.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AgentMessage, ClusterSpec, HealthReport, LogsReport } from '../../protocol/agent.ts';
import { agentMessageSchema } from '../../protocol/agent.ts';
import { SIZE_TABLE } from '../../protocol/sizes.ts';
import type { DriverRecord } from '../drivers/driver.ts';
import { LocalDriver } from '../drivers/local/local-driver.ts';
import { findNativeInstallations } from '../drivers/local/native-binaries.ts';
import type { HeldCluster } from '../reconciler.ts';
import { RequestFailure } from '../requests/request-failure.ts';
import { clusterSpec, collectingLogger, tempDir, waitFor } from '../testing/fixtures.ts';
import { Telemetry } from './telemetry.ts';

const hasNative = (await findNativeInstallations()).length > 0;
const PASSWORD = 'tele-Secret-7q';
const ROTATED = 'tele-Rotated-8w';
const CLUSTER = 'cl_telemetry';

describe.skipIf(!hasNative && process.env.CI !== 'true')('telemetry on a native local cluster', () => {
  let dir: { path: string; remove(): Promise<void> };
  const log = collectingLogger();
  let driver: LocalDriver;
  let spec: ClusterSpec;
  let record: DriverRecord | null = null;
  let port = 0;
  let running = true;
  // The app password as the held cluster has it: rotated in the last test.
  let password = PASSWORD;
  let sealed = 'v1.first.sealed';
  const messages: AgentMessage[] = [];
  let telemetry: Telemetry;

  const held = (): HeldCluster => ({
    clusterId: CLUSTER,
    spec: { ...spec, state: running ? 'running' : 'sleeping', password_sealed: sealed },
    record,
    phase: running ? 'running' : 'sleeping',
    running,
    password: async () => password,
  });
  const connect = async () => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: spec.username, password, database: spec.database });
    await client.connect();
    return client;
  };
  const ofType = <T extends AgentMessage['type']>(type: T) => messages.filter((message): message is Extract<AgentMessage, { type: T }> => message.type === type);
  const logMessages = () => ofType('logs').flatMap((report: LogsReport) => report.entries);

  beforeAll(async () => {
    dir = await tempDir('telemetry');
    driver = new LocalDriver({ dataDir: dir.path, log, engine: 'native' });
    spec = clusterSpec({ username: 'tele_app', database: 'tele_db', size: 'small' });
    const created = await driver.apply({ clusterId: CLUSTER, spec, password: PASSWORD, record: null, emit: () => {} });
    record = created.record;
    port = created.observation.endpoint!.port;
    telemetry = new Telemetry({
      clusters: { cluster: (id) => (id === CLUSTER ? held() : null), clusterIds: () => [CLUSTER] },
      driver,
      // Every message as the protocol has it: what the control plane would accept.
      send: (message) => messages.push(agentMessageSchema.parse(message)),
      log,
      metricsIntervalMs: 500,
      healthIntervalMs: 60_000,
    });
    telemetry.start();
  }, 60_000);

  afterAll(async () => {
    await telemetry?.stop();
    await driver?.shutdown();
    await dir?.remove();
    for (const line of log.lines) {
      expect(line).not.toContain(PASSWORD);
      expect(line).not.toContain(ROTATED);
    }
  });

  test('under load: transactions per second above zero, connections rising, CPU, memory, size and the limit', async () => {
    const first = await waitFor(() => ofType('metrics')[0], 10_000, 'a first sample');
    expect(first.values.transactions_per_second).toBeUndefined();
    const idleBefore = first.values.connections_idle ?? 0;

    const held: pg.Client[] = [];
    try {
      for (let index = 0; index < 4; index++) held.push(await connect());
      const loader = held[0]!;
      await loader.query('create table load_test (id int, body text)');
      for (let index = 0; index < 200; index++) await loader.query('insert into load_test values ($1, $2)', [index, `row ${index}`]);
      const seen = ofType('metrics').length;
      // The four held connections, idle: the first sample's count may include a health probe's passing connection,
      // so the bar is the four, and rising is checked against that sample below.
      const loaded = await waitFor(
        () => ofType('metrics').slice(seen).find((report) => (report.values.connections_idle ?? 0) >= 4 && report.values.transactions_per_second !== undefined),
        20_000,
        'a sample with the held connections',
      );
      // The inserts happened before this sample's interval; the one of the inserts' interval carries the rate.
      const rates = ofType('metrics').map((report) => report.values.transactions_per_second ?? 0);
      console.log(`[figures] telemetry: tps max ${Math.max(...rates).toFixed(1)}, connections idle ${idleBefore} -> ${loaded.values.connections_idle}`);
      expect(Math.max(...rates)).toBeGreaterThan(0);
      expect(loaded.values.connections_idle).toBeGreaterThan(idleBefore);
      expect(loaded.values.connections_max).toBe(SIZE_TABLE.small.max_connections);
      expect(loaded.values.database_size_bytes).toBeGreaterThan(1_000_000);
      expect(loaded.values.memory_bytes).toBeGreaterThan(1_000_000);
      expect(loaded.values.cpu_percent).toBeGreaterThanOrEqual(0);
      expect(loaded.values.cache_hit_ratio ?? 1).toBeGreaterThan(0);
      expect(loaded.values).not.toHaveProperty('replication_lag_seconds');
    } finally {
      await Promise.all(held.map((client) => client.end()));
    }
  }, 45_000);

  test('a RAISE LOG line reaches a follower within 2 s, the password redacted; history finds it by search and level', async () => {
    expect(await telemetry.followLogs(CLUSTER, true)).toEqual({ following: true });
    expect(await telemetry.followLogs(CLUSTER, true)).toEqual({ following: true });
    const marker = `marker-${Date.now().toString(36)}`;
    const client = await connect();
    try {
      const sent = performance.now();
      await client.query(`DO $$ begin raise log '${marker}'; end $$`);
      const entry = await waitFor(() => logMessages().find((line) => line.message.includes(marker)), 2_000, 'the marker in a logs message');
      console.log(`[figures] telemetry: RAISE LOG -> logs message in ${Math.round(performance.now() - sent)} ms`);
      expect(entry.level).toBe('info');

      await client.query(`DO $$ begin raise warning 'leak % and %', '${PASSWORD}', 'PASSWORD ''other-secret'''; end $$`);
      const leak = await waitFor(() => logMessages().find((line) => line.message.startsWith('leak')), 2_000, 'the warning');
      expect(leak.level).toBe('warning');
      expect(leak.message).toContain('leak [redacted] and PASSWORD');
      expect(leak.message).not.toContain(PASSWORD);
      expect(leak.message).not.toContain('other-secret');
      await client.query('select * from no_such_table').catch(() => undefined);
      const failure = await waitFor(() => logMessages().find((line) => line.sqlstate === '42P01'), 2_000, 'the error');
      expect(failure.level).toBe('error');
      expect(failure.message).toContain('STATEMENT: select * from no_such_table');
    } finally {
      await client.end();
    }

    const found = await telemetry.logHistory(CLUSTER, { search: marker.toUpperCase() });
    // RAISE LOG ranks above log_min_error_statement's ERROR, so the server logs the statement with it.
    expect(found.entries.map((entry) => entry.message)).toEqual([`${marker}\nSTATEMENT: DO $$ begin raise log '${marker}'; end $$`]);
    expect((await telemetry.logHistory(CLUSTER, { search: marker, level: 'warning' })).entries).toEqual([]);
    const warnings = await telemetry.logHistory(CLUSTER, { level: 'warning' });
    expect(warnings.entries.map((entry) => entry.level)).toEqual(['warning', 'error']);
    expect(JSON.stringify(await telemetry.logHistory(CLUSTER, { limit: 1000 }))).not.toContain(PASSWORD);
    const newest = await telemetry.logHistory(CLUSTER, { limit: 2 });
    expect(newest.entries.map((entry) => entry.level)).toEqual(['warning', 'error']);
    expect(Date.parse(newest.entries[0]!.at)).toBeLessThanOrEqual(Date.parse(newest.entries[1]!.at));
    expect((await telemetry.logHistory(CLUSTER, { since: new Date(Date.now() + 60_000).toISOString() })).entries).toEqual([]);
  }, 30_000);

  test('health: ok with its latency; a stopped server is down without the password; a sleeping one is not probed; a wake probes at once', async () => {
    const up = await waitFor(() => ofType('health')[0], 5_000, 'the first probe');
    expect(up).toMatchObject({ ok: true, error: null });
    expect(up.latency_ms).toBeGreaterThan(0);
    console.log(`[figures] telemetry: probe latency ${up.latency_ms!.toFixed(2)} ms`);

    // The server stops behind the agent's back: the next probe says so.
    await driver.stop(CLUSTER, record);
    telemetry.nudge(CLUSTER);
    const down = await waitFor(() => ofType('health').find((report: HealthReport) => !report.ok), 5_000, 'a failed probe');
    expect(down.latency_ms).toBeNull();
    expect(down.error).toBeTruthy();
    expect(down.error).not.toContain(PASSWORD);

    // Asleep as the control plane wants it: no probes, no samples.
    running = false;
    telemetry.nudge(CLUSTER);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const asleepHealth = ofType('health').length;
    const asleepMetrics = ofType('metrics').length;
    telemetry.nudge(CLUSTER);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(ofType('health').length).toBe(asleepHealth);
    expect(ofType('metrics').length).toBe(asleepMetrics);

    // Woken: up at once, not after the 60 s health interval of this test.
    const woken = await driver.apply({ clusterId: CLUSTER, spec, password: PASSWORD, record, emit: () => {} });
    record = woken.record;
    port = woken.observation.endpoint!.port;
    running = true;
    const wokeAt = performance.now();
    const upAgain = await waitFor(() => ofType('health').slice(asleepHealth).find((report) => report.ok), 5_000, 'a probe after the wake');
    console.log(`[figures] telemetry: wake -> ok probe in ${Math.round(performance.now() - wokeAt)} ms (metrics tick ${500} ms)`);
    expect(upAgain.latency_ms).toBeGreaterThan(0);

    // Following went on across the restart: the new server's lines arrive too.
    const client = await connect();
    try {
      await client.query(`DO $$ begin raise log 'after-restart-line'; end $$`);
      await waitFor(() => logMessages().find((line) => line.message.startsWith('after-restart-line')), 2_000, 'a line from the restarted server');
    } finally {
      await client.end();
    }

    // The password is rotated while the log is followed: a line holding the new one, or the old one, is redacted.
    const rotated = await driver.apply({ clusterId: CLUSTER, spec, password: ROTATED, record, emit: () => {} });
    record = rotated.record;
    password = ROTATED;
    sealed = 'v1.rotated.sealed';
    const rotatedClient = await connect();
    try {
      await rotatedClient.query(`DO $$ begin raise log 'rotation % %', '${ROTATED}', '${PASSWORD}'; end $$`);
      const line = await waitFor(() => logMessages().find((entry) => entry.message.startsWith('rotation')), 2_000, 'the rotation line');
      expect(line.message.split('\n')[0]).toBe('rotation [redacted] [redacted]');
      // History too: the agent remembers the password it saw before the rotation.
      const history = JSON.stringify(await telemetry.logHistory(CLUSTER, { search: 'rotation' }));
      expect(history).toContain('rotation [redacted] [redacted]');
      expect(history).not.toContain(ROTATED);
      expect(history).not.toContain(PASSWORD);
    } finally {
      await rotatedClient.end();
    }
    expect(await telemetry.followLogs(CLUSTER, false)).toEqual({ following: false });
    const followed = ofType('logs').length;
    const after = await connect();
    await after.query(`DO $$ begin raise log 'not-followed'; end $$`);
    await after.end();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(ofType('logs').length).toBe(followed);
    for (const report of ofType('logs')) expect(report.entries.length).toBeLessThanOrEqual(500);
  }, 60_000);

  test('not held: not_found; PGlite clusters: unsupported, saying why', async () => {
    await expect(telemetry.logHistory('cl_unknown', {})).rejects.toMatchObject({ code: 'not_found' });
    const pglite = { engine: 'pglite', major: 17, port: null, size: 'small', restored: null };
    const failure = await driver.logHistory('cl_pglite', spec, pglite, { since: null, limit: 10 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RequestFailure);
    expect(failure).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/PGlite/) });
    expect(() => driver.followLogs('cl_pglite', spec, pglite, () => {})).toThrow(RequestFailure);
  });
});

describe('telemetry on a PGlite local cluster', () => {
  test('sampled and probed through its one shared session; its log is unsupported, saying why', async () => {
    const dir = await tempDir('telemetry-pglite');
    const log = collectingLogger();
    const driver = new LocalDriver({ dataDir: dir.path, log, engine: 'pglite' });
    const spec = clusterSpec({ username: 'lite_app', database: 'lite_db' });
    const messages: AgentMessage[] = [];
    let telemetry: Telemetry | null = null;
    try {
      const created = await driver.apply({ clusterId: 'cl_lite', spec, password: PASSWORD, record: null, emit: () => {} });
      const held: HeldCluster = { clusterId: 'cl_lite', spec, record: created.record, phase: 'running', running: true, password: async () => PASSWORD };
      telemetry = new Telemetry({
        clusters: { cluster: (id) => (id === 'cl_lite' ? held : null), clusterIds: () => ['cl_lite'] },
        driver,
        send: (message) => messages.push(agentMessageSchema.parse(message)),
        log,
        metricsIntervalMs: 300,
        healthIntervalMs: 60_000,
      });
      telemetry.start();
      const sampled = await waitFor(() => messages.find((message) => message.type === 'metrics' && message.values.transactions_per_second !== undefined), 15_000, 'two PGlite samples');
      expect(sampled.type === 'metrics' && sampled.values.database_size_bytes).toBeGreaterThan(0);
      const probed = await waitFor(() => messages.find((message) => message.type === 'health'), 5_000, 'a PGlite probe');
      expect(probed).toMatchObject({ ok: true });
      // The shared session keeps no setting of the agent's: a user's connection sees the defaults.
      const client = new pg.Client({ host: '127.0.0.1', port: created.observation.endpoint!.port, user: 'lite_app', password: PASSWORD, database: 'lite_db' });
      await client.connect();
      expect((await client.query('show statement_timeout')).rows[0]).toEqual({ statement_timeout: '0' });
      await client.end();
      await expect(telemetry.logHistory('cl_lite', {})).rejects.toMatchObject({ code: 'unsupported' });
      await expect(telemetry.followLogs('cl_lite', true)).rejects.toMatchObject({ code: 'unsupported' });
    } finally {
      await telemetry?.stop();
      await driver.shutdown();
      await dir.remove();
    }
  }, 60_000);
});
