import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { AgentEvent, AgentMessage, AgentStatus, BackupReport, RestoreWindowReport } from '../protocol/agent.ts';
import type { ClusterDriver, ObservedBackup } from './drivers/driver.ts';
import { Reconciler, workingPhase } from './reconciler.ts';
import { seal } from '../protocol/sealing.ts';
import { StateStore } from './state-store.ts';
import { FakeDriver } from './testing/fake-driver.ts';
import { clusterSpec, collectingLogger, command, tempDir, type CollectingLogger } from './testing/fixtures.ts';

const REGION = 'rg_test';

describe('reconciler', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let state: StateStore;
  let driver: FakeDriver;
  let sent: AgentMessage[];
  let log: CollectingLogger;
  let reconciler: Reconciler;
  const regionKey = randomBytes(32).toString('base64url');

  /** An in-memory object store: key -> when it was written. */
  const stored = new Map<string, Date>();
  const sink = {
    async put(key: string) {
      stored.set(key, new Date());
      return { size: 6, sha256: 'a'.repeat(64) };
    },
    async list(prefix: string) {
      return [...stored].filter(([key]) => key.startsWith(prefix)).map(([key, lastModified]) => ({ key, lastModified }));
    },
    async delete(keys: readonly string[]) {
      for (const key of keys) stored.delete(key);
    },
    async get(key: string): Promise<{ body: Readable }> {
      if (!stored.has(key)) throw Object.assign(new Error(`no ${key}`), { code: 'not_found' });
      return { body: Readable.from([Buffer.from('{}')]) };
    },
  };
  const make = (options: { concurrency?: number; backups?: ConstructorParameters<typeof Reconciler>[0]['backups'] } = {}) =>
    new Reconciler({
      state,
      driver,
      send: (message) => sent.push(message),
      log,
      concurrency: options.concurrency,
      retry: { baseMs: 20, capMs: 50 },
      checkIntervalMs: 0,
      backups: options.backups ?? { sink },
      scheduleCheckMs: 0,
    });
  const backupReports = (clusterId: string) => sent.filter((m): m is BackupReport => m.type === 'backup' && m.cluster_id === clusterId);
  const statuses = (clusterId: string) => sent.filter((m): m is AgentStatus => m.type === 'status' && m.cluster_id === clusterId);
  const events = (clusterId: string, type?: string) =>
    sent.filter((m): m is AgentEvent => m.type === 'event' && m.cluster_id === clusterId && (!type || m.event_type === type));
  const sealedSpec = async (password: string, overrides: Parameters<typeof clusterSpec>[0] = {}) =>
    clusterSpec({ ...overrides, password_sealed: await seal(regionKey, password) });

  beforeEach(async () => {
    dir = await tempDir('reconciler');
    state = await StateStore.open(dir.path);
    state.data.region_id = REGION;
    state.data.region_key = regionKey;
    driver = new FakeDriver();
    sent = [];
    log = collectingLogger();
    reconciler = make();
  });

  afterEach(async () => {
    await reconciler.stop();
    await dir.remove();
  });

  test('applies a command with the opened password and reports running at its generation', async () => {
    const spec = await sealedSpec('pw-one');
    expect(await reconciler.submit(command('cl_a', REGION, 1, spec))).toBe('recorded');
    await reconciler.idle();
    expect(driver.applies).toHaveLength(1);
    expect(driver.applies[0]!.password).toBe('pw-one');
    const [working, done] = statuses('cl_a');
    expect(working).toMatchObject({ phase: 'provisioning', observed_generation: 0 });
    expect(done).toMatchObject({ phase: 'running', observed_generation: 1, ready_instances: 1, instances: 1, endpoint: { host: '127.0.0.1' } });
    const onDisk = JSON.parse(await readFile(state.path, 'utf8'));
    expect(onDisk.clusters.cl_a.applied_generation).toBe(1);
    expect(onDisk.clusters.cl_a.pending).toBeNull();
    expect(JSON.stringify(onDisk)).not.toContain('pw-one');
    expect(log.lines.join('\n')).not.toContain('pw-one');
  });

  test('a command older than the applied generation is stale and ignored', async () => {
    await reconciler.submit(command('cl_a', REGION, 2, await sealedSpec('pw')));
    await reconciler.idle();
    expect(await reconciler.submit(command('cl_a', REGION, 1, await sealedSpec('pw', { state: 'deleted' })))).toBe('stale');
    await reconciler.idle();
    expect(driver.applies).toHaveLength(1);
    expect(driver.clusters.get('cl_a')?.state).toBe('running');
    expect(log.lines.some((line) => line.includes('stale command ignored'))).toBe(true);
  });

  test('the same command twice is applied once and answered with the status again', async () => {
    const create = command('cl_a', REGION, 1, await sealedSpec('pw'));
    await reconciler.submit(create);
    await reconciler.idle();
    const statusesBefore = statuses('cl_a').length;
    expect(await reconciler.submit(create)).toBe('duplicate');
    await reconciler.idle();
    expect(events('cl_a', 'created')).toHaveLength(1);
    expect(driver.applies).toHaveLength(1);
    expect(statuses('cl_a')).toHaveLength(statusesBefore + 1);
    expect(statuses('cl_a').at(-1)).toMatchObject({ phase: 'running', observed_generation: 1 });
  });

  test('the applied generation again is re-applied when the cluster drifted', async () => {
    const create = command('cl_a', REGION, 1, await sealedSpec('pw'));
    await reconciler.submit(create);
    await reconciler.idle();
    driver.crash('cl_a');
    await reconciler.submit(create);
    await reconciler.idle();
    expect(driver.applies).toHaveLength(2);
    expect(events('cl_a', 'started')).toHaveLength(1);
    expect(statuses('cl_a').at(-1)).toMatchObject({ phase: 'running', observed_generation: 1 });
  });

  test('commands that arrive during an apply converge to the newest, skipping superseded ones', async () => {
    driver.hold();
    await reconciler.submit(command('cl_a', REGION, 1, await sealedSpec('pw-1')));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await reconciler.submit(command('cl_a', REGION, 2, await sealedSpec('pw-1', { state: 'sleeping' }), 'sleep'));
    await reconciler.submit(command('cl_a', REGION, 3, await sealedSpec('pw-3'), 'rotate_password'));
    // An older one arriving late changes nothing.
    expect(await reconciler.submit(command('cl_a', REGION, 2, await sealedSpec('pw-1', { state: 'sleeping' }), 'sleep'))).toBe('stale');
    driver.release();
    await reconciler.idle();
    expect(driver.applies.map((apply) => apply.password)).toEqual(['pw-1', 'pw-3']);
    expect(statuses('cl_a').at(-1)).toMatchObject({ phase: 'running', observed_generation: 3 });
    expect(events('cl_a').map((event) => event.event_type)).toEqual(['created', 'password_rotated']);
    expect(state.cluster('cl_a')).toMatchObject({ applied_generation: 3, pending: null, failure: null });
  });

  test('one apply at a time per cluster, clusters in parallel up to the limit', async () => {
    await reconciler.stop();
    reconciler = make({ concurrency: 2 });
    driver.hold();
    for (const id of ['cl_1', 'cl_2', 'cl_3', 'cl_4', 'cl_5']) await reconciler.submit(command(id, REGION, 1, await sealedSpec('pw')));
    await reconciler.submit(command('cl_1', REGION, 2, await sealedSpec('pw', { state: 'sleeping' }), 'sleep'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(driver.active).toBe(2);
    driver.release();
    await reconciler.idle();
    expect(driver.maxActive).toBe(2);
    expect(driver.clusters.size).toBe(5);
    expect(driver.clusters.get('cl_1')?.state).toBe('sleeping');
  });

  test('a failed apply reports failed at its generation, then is retried until it converges', async () => {
    driver.failures = 3;
    await reconciler.submit(command('cl_a', REGION, 1, await sealedSpec('pw')));
    await reconciler.idle();
    expect(statuses('cl_a').find((status) => status.phase === 'failed')).toMatchObject({
      observed_generation: 1,
      message: expect.stringContaining('simulated driver failure'),
    });
    await expect.poll(() => statuses('cl_a').at(-1)?.phase, { timeout: 2000 }).toBe('running');
    expect(driver.applies).toHaveLength(4);
    // Retries failing the same way are not reported again.
    expect(events('cl_a', 'failed')).toHaveLength(1);
    expect(statuses('cl_a').map((status) => status.phase)).toEqual(['provisioning', 'failed', 'running']);
    expect(state.cluster('cl_a')?.failure).toBeNull();
  });

  test('a password sealed with another key fails clearly without reaching the driver', async () => {
    const spec = clusterSpec({ password_sealed: await seal(randomBytes(32).toString('base64url'), 'pw') });
    await reconciler.submit(command('cl_a', REGION, 1, spec));
    await reconciler.idle();
    expect(driver.applies).toHaveLength(0);
    expect(statuses('cl_a').at(-1)).toMatchObject({ phase: 'failed', message: expect.stringContaining("region's key") });
  });

  test('commands for another region are refused', async () => {
    expect(await reconciler.submit(command('cl_a', 'rg_other', 1, await sealedSpec('pw')))).toBe('foreign');
    await reconciler.idle();
    expect(driver.applies).toHaveLength(0);
    expect(state.cluster('cl_a')).toBeUndefined();
  });

  test('after a restart it converges every recorded cluster from the state file', async () => {
    await reconciler.submit(command('cl_run', REGION, 1, await sealedSpec('pw')));
    await reconciler.submit(command('cl_sleep', REGION, 2, await sealedSpec('pw', { state: 'sleeping' })));
    await reconciler.idle();
    await reconciler.stop();
    await driver.shutdown(); // the agent stops its servers on exit

    const reopened = await StateStore.open(dir.path);
    sent = [];
    reconciler = new Reconciler({ state: reopened, driver, send: (m) => sent.push(m), log, checkIntervalMs: 0 });
    reconciler.resume();
    await reconciler.idle();
    expect(driver.clusters.get('cl_run')?.state).toBe('running');
    expect(driver.clusters.get('cl_sleep')?.state).toBe('sleeping');
    expect(statuses('cl_run').at(-1)).toMatchObject({ phase: 'running', observed_generation: 1 });
    expect(statuses('cl_sleep').at(-1)).toMatchObject({ phase: 'sleeping', observed_generation: 2 });
    expect(reconciler.appliedGenerations()).toEqual(expect.arrayContaining([
      { cluster_id: 'cl_run', generation: 1 },
      { cluster_id: 'cl_sleep', generation: 2 },
    ]));
  });

  test('clusters the control plane does not know are reported as orphans once', async () => {
    await reconciler.submit(command('cl_a', REGION, 1, await sealedSpec('pw')));
    await reconciler.idle();
    reconciler.reportOrphans([]);
    reconciler.reportOrphans([]);
    expect(events('cl_a', 'orphan')).toHaveLength(1);
  });

  test('working phases follow the lifecycle', () => {
    expect(workingPhase('running', 'deleted')).toBe('provisioning');
    expect(workingPhase('running', 'sleeping')).toBe('waking');
    expect(workingPhase('running', 'running')).toBe('updating');
    expect(workingPhase('sleeping', 'running')).toBe('updating');
    expect(workingPhase('deleted', 'running')).toBe('deleting');
  });

  describe('backups', () => {
    test('takes a requested backup once, reporting it as it starts and ends, even when the command comes again', async () => {
      const spec = await sealedSpec('pw-one');
      await reconciler.submit(command('cl_b', REGION, 1, spec));
      await reconciler.idle();
      const requested = { ...spec, backups: { ...spec.backups, requested: { backup_id: 'bk_one', requested_at: new Date().toISOString() } } };
      await reconciler.submit(command('cl_b', REGION, 2, requested));
      await reconciler.idle();
      expect(driver.backups).toEqual([{ clusterId: 'cl_b', backupId: 'bk_one', kind: 'manual' }]);
      expect(backupReports('cl_b').map((r) => r.status)).toEqual(['running', 'completed']);
      expect(backupReports('cl_b')[1]).toMatchObject({ size_bytes: 6, begin_lsn: '0/1000000', end_lsn: '0/2000000', error: null });
      expect(state.cluster('cl_b')!.backups_taken).toEqual(['bk_one']);
      // The same generation again (a resync, a duplicate) takes nothing more.
      await reconciler.submit(command('cl_b', REGION, 2, requested));
      await reconciler.idle();
      expect(driver.backups).toHaveLength(1);
      expect(reconciler.latestBackupReports()).toEqual([expect.objectContaining({ backup_id: 'bk_one', status: 'completed' })]);
    });

    test('reports a failed backup with its reason, and one asked for in a region without a store says so', async () => {
      const spec = await sealedSpec('pw-one');
      await reconciler.submit(command('cl_c', REGION, 1, spec));
      await reconciler.idle();
      driver.backupFailure = 'object store http://127.0.0.1:1 (orochi-backups): put: unavailable';
      await reconciler.submit(command('cl_c', REGION, 2, { ...spec, backups: { ...spec.backups, requested: { backup_id: 'bk_down', requested_at: '' } } }));
      await reconciler.idle();
      expect(backupReports('cl_c').at(-1)).toMatchObject({ status: 'failed', error: expect.stringContaining('unavailable') });
      await reconciler.stop();
      reconciler = make({ backups: { unavailable: 'backups are not configured in this region: OROCHI_S3_ENDPOINT is not set' } });
      driver.backupFailure = null;
      await reconciler.submit(command('cl_c', REGION, 3, { ...spec, backups: { ...spec.backups, requested: { backup_id: 'bk_none', requested_at: '' } } }));
      await reconciler.idle();
      expect(backupReports('cl_c').at(-1)).toMatchObject({ backup_id: 'bk_none', status: 'failed', error: expect.stringContaining('not configured') });
    });

    test("takes a scheduled backup when the cluster's schedule is due, once however many times were missed", async () => {
      const spec = await sealedSpec('pw-one', {});
      const hourly = { ...spec, backups: { ...spec.backups, schedule: '0 * * * *' } };
      await reconciler.submit(command('cl_d', REGION, 1, hourly));
      await reconciler.idle();
      // First seen: the schedule starts now, nothing is taken at once.
      expect(driver.backups).toEqual([]);
      expect(state.cluster('cl_d')!.last_scheduled_backup_at).not.toBeNull();
      // As if the agent had been away for three hours.
      state.cluster('cl_d')!.last_scheduled_backup_at = new Date(Date.now() - 3 * 3600_000).toISOString();
      await reconciler.submit(command('cl_d', REGION, 1, hourly));
      await reconciler.idle();
      expect(driver.backups).toEqual([{ clusterId: 'cl_d', backupId: expect.stringMatching(/^bk_[0-9a-z]{26}$/), kind: 'scheduled' }]);
      expect(backupReports('cl_d').at(-1)).toMatchObject({ kind: 'scheduled', status: 'completed' });
      await reconciler.submit(command('cl_d', REGION, 1, hourly));
      await reconciler.idle();
      expect(driver.backups).toHaveLength(1);
    });

    test('retention removes backups past the period and those deleted through the API, never the newest, and reports each', async () => {
      stored.clear();
      const spec = await sealedSpec('pw-one');
      await reconciler.submit(command('cl_e', REGION, 1, { ...spec, backups: { ...spec.backups, retention_days: 7, deleted_backup_ids: ['bk_unwanted'] } }));
      await reconciler.idle();
      const day = 86_400_000;
      stored.set('clusters/cl_e/base/bk_new/base.tar.gz', new Date(Date.now() - 1 * day));
      stored.set('clusters/cl_e/base/bk_unwanted/base.tar.gz', new Date(Date.now() - 2 * day));
      stored.set('clusters/cl_e/base/bk_old/base.tar.gz', new Date(Date.now() - 10 * day));
      stored.set('clusters/cl_e/base/bk_old/base.tar.gz.sha256.json', new Date(Date.now() - 10 * day));
      await reconciler.applyRetention();
      expect([...stored.keys()].filter((k) => k.startsWith('clusters/cl_e/'))).toEqual(['clusters/cl_e/base/bk_new/base.tar.gz']);
      expect(backupReports('cl_e').filter((r) => r.status === 'deleted').map((r) => r.backup_id).sort()).toEqual(['bk_old', 'bk_unwanted']);
    });
  });

  describe('a driver that watches its platform', () => {
    const observed = (status: ObservedBackup['status'], overrides: Partial<ObservedBackup> = {}): ObservedBackup => ({
      cluster_id: 'cl_w',
      backup_id: 'bk_01jd3k5x8r2m9q7v4w6y0z1a2b',
      kind: 'scheduled',
      status,
      started_at: '2026-03-01T03:00:01Z',
      finished_at: status === 'running' ? null : '2026-03-01T03:04:00Z',
      size_bytes: null,
      begin_lsn: null,
      end_lsn: null,
      begin_time: null,
      end_time: null,
      error: null,
      ...overrides,
    });

    test('reports the backups it sees once per status, never back to an earlier one, and reads the window again on its changes', async () => {
      let tell: (backup: ObservedBackup) => void = () => {};
      let changed: (clusterId: string) => void = () => {};
      const read: Array<{ clusterId: string; record: unknown }> = [];
      const hooks: Pick<ClusterDriver, 'watch' | 'watchBackups' | 'restoreWindow'> = {
        watch: (listener) => ((changed = listener), () => {}),
        watchBackups: (listener) => ((tell = listener), () => (tell = () => {})),
        restoreWindow: async (clusterId, record) => {
          read.push({ clusterId, record });
          return { earliest: '2026-03-01T03:04:00Z', latest: `2026-03-05T12:00:0${read.length}Z`, pointInTime: true, limitation: null, walGap: null };
        },
      };
      Object.assign(driver, hooks);
      await reconciler.stop();
      reconciler = new Reconciler({ state, driver, send: (message) => sent.push(message), log, checkIntervalMs: 0, scheduleCheckMs: 0, windowDelayMs: 5, backups: { sink } });
      state.ensureCluster('cl_w').driver = { namespace: 'orochi-cl-w' };
      reconciler.resume();
      await new Promise((r) => setTimeout(r, 30));
      const windows = () => sent.filter((m): m is RestoreWindowReport => m.type === 'restore_window' && m.cluster_id === 'cl_w');
      expect(windows()).toHaveLength(1);
      // The driver's own note on the cluster goes with the question (a restore's new serverName lives there).
      expect(read[0]).toEqual({ clusterId: 'cl_w', record: { namespace: 'orochi-cl-w' } });

      tell(observed('running'));
      tell(observed('running'));
      tell(observed('completed', { end_lsn: '0/2000138' }));
      // Late news of an earlier status, the same outcome again, and a cluster the agent does not hold: nothing sent.
      tell(observed('running'));
      tell(observed('completed'));
      tell(observed('completed', { cluster_id: 'cl_unknown' }));
      expect(backupReports('cl_w').map((r) => r.status)).toEqual(['running', 'completed']);
      expect(backupReports('cl_unknown')).toEqual([]);
      // A completed backup moves the window; so does any change the driver's watch saw.
      await new Promise((r) => setTimeout(r, 30));
      expect(windows()).toHaveLength(2);
      changed('cl_w');
      changed('cl_unknown');
      await new Promise((r) => setTimeout(r, 30));
      expect(windows()).toHaveLength(3);
      expect(read.map((r) => r.clusterId)).toEqual(['cl_w', 'cl_w', 'cl_w']);
    });
  });
});
