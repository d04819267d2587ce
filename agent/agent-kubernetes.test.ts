// The agent end to end on the kubernetes driver, against the fake control plane and the Kubernetes API server
// stand-in with its simulated CloudNativePG operator: a create reported as it converges, an agent restarted in the
// middle of it picking up where it was, a hand edit of the Cluster put back, sleep, and delete; and with real
// PostgreSQL servers behind the simulated operator and a real S3-compatible store, backups (asked for, and taken by
// CloudNativePG's ScheduledBackup), the restore window, a branch and a restore, each followed by a backup of its own
// (point in time on this driver: kubernetes-point-in-time.test.ts).
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startObjectStore, type EmbeddedObjectStore } from '../dev/object-store.ts';
import { DEFAULT_BACKUP_SPEC } from '../protocol/agent.ts';
import { ID_PATTERN } from '../protocol/ids.ts';
import { startAgent, type RunningAgent } from './agent.ts';
import { COMPRESSED_SUFFIX } from './backup/compression.ts';
import { ObjectStore } from './backup/object-store.ts';
import { namespaceFor } from './drivers/kubernetes/manifests.ts';
import { FakeControlPlane } from './testing/fake-control-plane.ts';
import { collectingLogger, tempDir, waitFor } from './testing/fixtures.ts';
import { startKubeApiServerStandIn, type JsonObject, type KubeApiServerStandIn } from './testing/kube-apiserver/index.ts';
import { localInstances, type LocalInstances } from './testing/kube-apiserver/local-instances.ts';

let cp: FakeControlPlane;
let kube: KubeApiServerStandIn;
let dir: Awaited<ReturnType<typeof tempDir>>;
let kubeconfig: string;
const agents: RunningAgent[] = [];

beforeEach(async () => {
  cp = await new FakeControlPlane().start();
  // Slow enough that the agent can be stopped while the operator is still at work.
  kube = await startKubeApiServerStandIn({ operator: { stepDelayMs: 150 } });
  dir = await tempDir('agent-kubernetes');
  kubeconfig = join(dir.path, 'kubeconfig');
  await writeFile(kubeconfig, kube.kubeconfig());
});

afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.stop();
  await kube.stop();
  await cp.stop();
  await dir.remove();
});

test('create (with a restart mid-create), drift put back, sleep and delete a cluster on the kubernetes driver', async () => {
  const log = collectingLogger();
  const start = async (token: string | null) => {
    const agent = await startAgent({
      url: cp.url,
      registrationToken: token,
      dataDir: join(dir.path, 'agent'),
      driver: 'kubernetes',
      kubernetes: { kubeconfig },
      logger: log,
      checkIntervalMs: 0,
      followIntervalMs: 5000,
      reconnect: { baseMs: 20, capMs: 200 },
    });
    agents.push(agent);
    await agent.waitForConnection(10_000);
    return agent;
  };
  const agent = await start(cp.registrationToken());
  const namespace = namespaceFor('cl_kube');

  cp.send(await cp.command('cl_kube', 1, 'app-password-1', { instances: 2 }));
  await cp.waitFor('status', (s) => s.observed_generation === 1 && s.phase === 'provisioning', 10_000);
  expect(cp.messages('status').some((s) => s.phase === 'running')).toBe(false);
  await agent.stop();
  agents.length = 0;

  // The operator goes on without the agent; the restarted agent observes, and its watch follows to running.
  await start(null);
  const running = await cp.waitFor('status', (s) => s.observed_generation === 1 && s.phase === 'running', 20_000);
  expect(running).toMatchObject({ instances: 2, ready_instances: 2, endpoint: { host: '127.0.0.1', port: 5432 } });
  expect(cp.messages('event').filter((e) => e.event_type === 'created')).toHaveLength(1);

  // Someone scales the Cluster by hand: the watch tells the agent, which puts back what the control plane asked for.
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  const edit = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'postgres', namespace }, spec: { instances: 4 } };
  await KubernetesObjectApi.makeApiClient(kc).patch(edit as KubernetesObject, undefined, undefined, 'kubectl-edit', true, PatchStrategy.ServerSideApply);
  const instancesNow = () => ((kube.objects().find((o) => o.kind === 'Cluster' && (o.metadata as JsonObject).namespace === namespace)?.spec ?? {}) as JsonObject).instances;
  await waitFor(() => instancesNow() === 2, 10_000, 'spec.instances back to 2');
  await cp.waitFor('event', (e) => e.event_type === 'updated', 10_000);
  await cp.waitFor('status', (s) => s.observed_generation === 1 && s.phase === 'running' && s.ready_instances === 2, 20_000);

  cp.send(await cp.command('cl_kube', 2, 'app-password-1', { instances: 2, state: 'sleeping' }, 'sleep'));
  await cp.waitFor('status', (s) => s.observed_generation === 2 && s.phase === 'sleeping', 20_000);

  cp.send(await cp.command('cl_kube', 3, 'app-password-1', { state: 'deleted' }, 'delete'));
  await cp.waitFor('status', (s) => s.observed_generation === 3 && s.phase === 'deleted', 20_000);
  expect(kube.objects().some((o) => (o.metadata as JsonObject).name === namespace || (o.metadata as JsonObject).namespace === namespace)).toBe(false);
  expect(log.lines.join('\n')).not.toContain('app-password-1');
}, 60_000);

describe('backups, a branch and an in-place restore through CloudNativePG\'s barman-cloud plugin', () => {
  let s3: EmbeddedObjectStore;
  let s3Dir: Awaited<ReturnType<typeof tempDir>>;
  let instancesDir: Awaited<ReturnType<typeof tempDir>>;
  let instances: LocalInstances;
  let backupKube: KubeApiServerStandIn;

  beforeEach(async () => {
    s3Dir = await tempDir('kube-s3');
    s3 = await startObjectStore({ dataDir: s3Dir.path });
    // Its own temporary directory: the local driver makes it traversable for the PostgreSQL OS user when run as root.
    instancesDir = await tempDir('kube-instances');
    instances = localInstances({ dataDir: instancesDir.path, log: collectingLogger() });
    backupKube = await startKubeApiServerStandIn({ operator: { stepDelayMs: 30, instances } });
    await writeFile(kubeconfig, backupKube.kubeconfig());
    // The region operator's Secret with the store's credentials, which the driver copies into each cluster's namespace.
    const kc = new KubeConfig();
    kc.loadFromString(backupKube.kubeconfig());
    const api = KubernetesObjectApi.makeApiClient(kc);
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'orochi-system' } } as KubernetesObject);
    await api.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'backup-s3', namespace: 'orochi-system' },
      stringData: { ACCESS_KEY_ID: s3.accessKeyId, ACCESS_SECRET_KEY: s3.secretAccessKey },
    } as KubernetesObject);
  }, 60_000);

  afterEach(async () => {
    for (const agent of agents.splice(0)) await agent.stop();
    await backupKube?.stop();
    await instances?.shutdown();
    await s3?.stop();
    await instancesDir?.remove();
    await s3Dir?.remove();
  });

  test('back up now, a scheduled backup, the restore window, branch from the backup, restore in place, and a backup failing while the store is down', async () => {
    const store = { endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true, sse: 'off' as const, prefix: '' };
    const agent = await startAgent({
      url: cp.url,
      registrationToken: cp.registrationToken(),
      dataDir: join(dir.path, 'agent'),
      driver: 'kubernetes',
      kubernetes: {
        kubeconfig,
        render: { backupStore: { endpointURL: s3.endpoint, bucket: s3.bucket, prefix: '', credentialsSecret: { namespace: 'orochi-system', name: 'backup-s3' } } },
      },
      objectStore: store,
      logger: collectingLogger(),
      checkIntervalMs: 0,
      followIntervalMs: 200,
      reconnect: { baseMs: 20, capMs: 200 },
    });
    agents.push(agent);
    await agent.waitForConnection(10_000);
    const password = 'app-Password-1';
    const query = async (port: number, sql: string) => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'app', password, database: 'app' });
      await client.connect();
      try {
        return (await client.query<{ note: string }>(sql)).rows;
      } finally {
        await client.end();
      }
    };
    const cnpgCluster = (namespace: string, name: string) => backupKube.objects().find((o) => o.kind === 'Cluster' && (o.metadata as JsonObject).namespace === namespace && (o.metadata as JsonObject).name === name);

    cp.send(await cp.command('cl_source', 1, password));
    const created = await cp.waitFor('status', (s) => s.cluster_id === 'cl_source' && s.phase === 'running', 60_000);
    await query(created.endpoint!.port, "create table notes (note text); insert into notes values ('before the backup')");

    // Back up now: a Backup walks to completed, and the agent reports it with its WAL span.
    const requested = { ...DEFAULT_BACKUP_SPEC, requested: { backup_id: 'bk_first', requested_at: new Date().toISOString() } };
    cp.send(await cp.command('cl_source', 2, password, { backups: requested }));
    const completed = await cp.waitFor('backup', (b) => b.backup_id === 'bk_first' && b.status !== 'running', 60_000);
    expect(completed).toMatchObject({ cluster_id: 'cl_source', kind: 'manual', status: 'completed', error: null });
    expect(completed.begin_lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(completed.end_lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const backupObject = backupKube.objects().find((o) => o.kind === 'Backup' && (o.metadata as JsonObject).name === 'backup-bk-first');
    expect(backupObject?.status).toMatchObject({ phase: 'completed', serverName: 'cl_source' });
    const stored = new ObjectStore(store);
    const keys = (await stored.list('clusters/cl_source/base/')).map((o) => o.key);
    stored.close();
    expect(keys.some((key) => key.endsWith(`/base.tar${COMPRESSED_SUFFIX}`))).toBe(true);
    await query(created.endpoint!.port, "insert into notes values ('after the backup')");

    // The window from the plugin's recovery window and CloudNativePG's ContinuousArchiving condition: from the backup's
    // end to now, once the server's WAL is archived.
    const window = await cp.waitFor('restore_window', (w) => w.cluster_id === 'cl_source' && w.point_in_time, 20_000);
    expect(window).toMatchObject({ earliest: completed.end_time!.replace(/\.\d+Z$/, 'Z'), limitation: null, wal_gap: null });
    expect(Date.parse(window.latest!)).toBeGreaterThanOrEqual(Date.parse(window.earliest!));

    // CloudNativePG's schedule takes one: reported under an id of its own that the control plane accepts.
    const sourceNamespace = namespaceFor('cl_source');
    const scheduledName = backupKube.operator!.runScheduledBackup(sourceNamespace, 'scheduled');
    expect(scheduledName).toMatch(/^scheduled-\d{14}$/);
    const scheduled = await cp.waitFor('backup', (b) => b.cluster_id === 'cl_source' && b.kind === 'scheduled' && b.status === 'completed', 60_000);
    expect(scheduled.backup_id).toMatch(ID_PATTERN);
    expect(scheduled.backup_id.startsWith('bk_')).toBe(true);
    expect(scheduled.end_lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(cp.messages('backup').filter((b) => b.backup_id === scheduled.backup_id).map((b) => b.status)).toEqual(['running', 'completed']);
    // The agent's own Backup keeps its id, reported once per status whichever way it was seen.
    expect(new Set(cp.messages('backup').filter((b) => b.cluster_id === 'cl_source').map((b) => b.backup_id))).toEqual(new Set(['bk_first', scheduled.backup_id]));
    expect(cp.messages('backup').filter((b) => b.backup_id === 'bk_first').map((b) => b.status)).toEqual(['running', 'completed']);
    const scheduledObject = backupKube.objects().find((o) => o.kind === 'Backup' && (o.metadata as JsonObject).name === scheduledName);
    expect((scheduledObject?.metadata as JsonObject).annotations).toMatchObject({ 'orochi.cloud/reported': 'completed' });
    await cp.waitFor('restore_window', (w) => w.cluster_id === 'cl_source' && w.point_in_time && Date.parse(w.latest!) >= Date.parse(scheduled.end_time!.replace(/\.\d+Z$/, 'Z')), 20_000);

    // A branch from that backup: a server of its own with the rows of the backup, archiving under its own id.
    cp.send(await cp.command('cl_branch', 1, password, { source: { cluster_id: 'cl_source', backup_id: 'bk_first', target_time: null } }));
    const branch = await cp.waitFor('status', (s) => s.cluster_id === 'cl_branch' && s.phase === 'running', 60_000);
    expect(branch.endpoint!.port).not.toBe(created.endpoint!.port);
    expect(await query(branch.endpoint!.port, 'select note from notes order by note')).toEqual([{ note: 'before the backup' }]);
    const branchSpec = cnpgCluster(namespaceFor('cl_branch'), 'postgres')!.spec as JsonObject;
    expect(JSON.stringify(branchSpec.plugins)).toContain('"serverName":"cl_branch"');
    expect(JSON.stringify(branchSpec.externalClusters)).toContain('"serverName":"cl_source"');
    expect(await query(created.endpoint!.port, 'select note from notes order by note')).toEqual([{ note: 'after the backup' }, { note: 'before the backup' }]);
    // Its own history starts with a backup of its own once it is restored.
    const branchBackup = await cp.waitFor('backup', (b) => b.cluster_id === 'cl_branch' && b.status !== 'running', 60_000);
    expect(branchBackup).toMatchObject({ kind: 'automatic', status: 'completed' });
    expect(backupKube.objects().find((o) => o.kind === 'Backup' && (o.metadata as JsonObject).namespace === namespaceFor('cl_branch'))?.status).toMatchObject({ serverName: 'cl_branch' });
    await cp.waitFor('restore_window', (w) => w.cluster_id === 'cl_branch' && w.earliest !== null, 20_000);

    // In place: a new CNPG Cluster recovers the backup, takes over, and the old one goes.
    const restore = { restore_id: 'rs_first', backup_id: 'bk_first', target_time: null, requested_at: new Date().toISOString() };
    cp.send(await cp.command('cl_source', 3, password, { backups: requested, restore }));
    await cp.waitFor('event', (e) => e.cluster_id === 'cl_source' && e.event_type === 'restored', 60_000);
    const restored = await cp.waitFor('status', (s) => s.cluster_id === 'cl_source' && s.observed_generation === 3 && s.phase === 'running', 60_000);
    expect(await query(restored.endpoint!.port, 'select note from notes order by note')).toEqual([{ note: 'before the backup' }]);
    const namespace = namespaceFor('cl_source');
    await waitFor(() => cnpgCluster(namespace, 'postgres') === undefined, 10_000, 'the old CNPG Cluster deleted');
    expect(JSON.stringify((cnpgCluster(namespace, 'postgres-r1')!.spec as JsonObject).plugins)).toContain('"serverName":"cl_source-r1"');
    // The restored cluster's new history: a backup under its new serverName, and the window reads that history alone.
    const afterRestore = await cp.waitFor('backup', (b) => b.cluster_id === 'cl_source' && b.kind === 'automatic' && b.status !== 'running', 60_000);
    expect(afterRestore.status).toBe('completed');
    expect(backupKube.objects().filter((o) => o.kind === 'Backup' && (o.metadata as JsonObject).namespace === namespace && (o.status as JsonObject | undefined)?.serverName === 'cl_source-r1')).toHaveLength(1);
    await cp.waitFor('restore_window', (w) => w.cluster_id === 'cl_source' && w.earliest === afterRestore.end_time!.replace(/\.\d+Z$/, 'Z'), 20_000);

    // The store goes down: the next backup fails, saying why.
    await s3.stop();
    const second = { ...DEFAULT_BACKUP_SPEC, requested: { backup_id: 'bk_second', requested_at: new Date().toISOString() } };
    cp.send(await cp.command('cl_source', 4, password, { backups: second, restore }));
    const failed = await cp.waitFor('backup', (b) => b.backup_id === 'bk_second' && b.status !== 'running', 60_000);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/backup-bk-second failed: .*127\.0\.0\.1/);
  }, 240_000);
});
