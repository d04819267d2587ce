// Point-in-time restore on the kubernetes driver, end to end below the control plane: the agent against the Kubernetes
// API server stand-in, whose simulated CloudNativePG operator runs each Cluster as a real PostgreSQL server archiving
// its WAL through the barman-cloud plugin's place in a real S3-compatible store. Rows written at three moments; a
// branch at a time between the first two and an in-place restore to between the last two, each checked by its rows;
// then the store goes away and the archiving condition and the window say so.
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startObjectStore, type EmbeddedObjectStore } from '../dev/object-store.ts';
import { DEFAULT_BACKUP_SPEC } from '../protocol/agent.ts';
import { startAgent, type RunningAgent } from './agent.ts';
import { ObjectStore, type ObjectStoreConfig } from './backup/object-store.ts';
import { findNativeInstallations } from './drivers/local/native-binaries.ts';
import { namespaceFor } from './drivers/kubernetes/manifests.ts';
import { FakeControlPlane } from './testing/fake-control-plane.ts';
import { collectingLogger, tempDir, waitFor } from './testing/fixtures.ts';
import { startKubeApiServerStandIn, type JsonObject, type KubeApiServerStandIn } from './testing/kube-apiserver/index.ts';
import { localInstances, type LocalInstances } from './testing/kube-apiserver/local-instances.ts';

const hasNative = (await findNativeInstallations()).length > 0;

describe.skipIf(!hasNative && process.env.CI !== 'true')('point-in-time restore through CloudNativePG\'s barman-cloud plugin', () => {
  let cp: FakeControlPlane;
  let s3: EmbeddedObjectStore;
  let kube: KubeApiServerStandIn;
  let instances: LocalInstances;
  let agent: RunningAgent;
  let dirs: Array<Awaited<ReturnType<typeof tempDir>>>;
  let storeConfig: ObjectStoreConfig;
  const log = collectingLogger();

  beforeAll(async () => {
    const s3Dir = await tempDir('kube-pitr-s3');
    // Its own temporary directory: the local driver makes it traversable for the PostgreSQL OS user when run as root.
    const instancesDir = await tempDir('kube-pitr-instances');
    const agentDir = await tempDir('kube-pitr-agent');
    dirs = [s3Dir, instancesDir, agentDir];
    cp = await new FakeControlPlane().start();
    s3 = await startObjectStore({ dataDir: s3Dir.path });
    instances = localInstances({ dataDir: instancesDir.path, log });
    storeConfig = { endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true, sse: 'off', prefix: '' };
    kube = await startKubeApiServerStandIn({ operator: { stepDelayMs: 30, instances } });
    const kubeconfig = join(agentDir.path, 'kubeconfig');
    await writeFile(kubeconfig, kube.kubeconfig());
    // The region operator's Secret with the store's credentials, which the driver copies into each cluster's namespace.
    const kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig());
    const api = KubernetesObjectApi.makeApiClient(kc);
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'orochi-system' } } as KubernetesObject);
    await api.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'backup-s3', namespace: 'orochi-system' },
      stringData: { ACCESS_KEY_ID: s3.accessKeyId, ACCESS_SECRET_KEY: s3.secretAccessKey },
    } as KubernetesObject);
    agent = await startAgent({
      url: cp.url,
      registrationToken: cp.registrationToken(),
      dataDir: join(agentDir.path, 'agent'),
      driver: 'kubernetes',
      kubernetes: {
        kubeconfig,
        render: { backupStore: { endpointURL: s3.endpoint, bucket: s3.bucket, prefix: '', credentialsSecret: { namespace: 'orochi-system', name: 'backup-s3' } } },
      },
      objectStore: storeConfig,
      logger: log,
      checkIntervalMs: 0,
      followIntervalMs: 200,
      reconnect: { baseMs: 20, capMs: 200 },
    });
    await agent.waitForConnection(10_000);
  }, 60_000);

  afterAll(async () => {
    if (process.env.PITR_DEBUG) console.log(log.lines.join('\n'));
    await agent?.stop();
    await kube?.stop();
    await instances?.shutdown();
    await s3?.stop();
    await cp?.stop();
    for (const dir of dirs ?? []) await dir.remove();
  });

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
  const notes = async (port: number) => (await query(port, 'select note from notes order by id')).map((row) => row.note);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  test('rows at t1, t2 and t3: a branch at a time between t1 and t2, an in-place restore to between t2 and t3, and archiving failing while the store is down', async () => {
    cp.send(await cp.command('cl_pitr', 1, password));
    const created = await cp.waitFor('status', (s) => s.cluster_id === 'cl_pitr' && s.phase === 'running', 60_000);
    const port = created.endpoint!.port;
    await query(port, 'create table notes (id serial primary key, note text)');
    // The only base backup is taken before any row: every row a restore answers with was replayed from archived WAL.
    const backups = { ...DEFAULT_BACKUP_SPEC, requested: { backup_id: 'bk_pitr', requested_at: new Date().toISOString() } };
    cp.send(await cp.command('cl_pitr', 2, password, { backups }));
    expect(await cp.waitFor('backup', (b) => b.backup_id === 'bk_pitr' && b.status !== 'running', 60_000)).toMatchObject({ status: 'completed' });
    await pause(500);

    // The server's WAL reaches the serverName's place: CloudNativePG's condition says so, and the window is continuous.
    const window = await cp.waitFor('restore_window', (w) => w.cluster_id === 'cl_pitr' && w.point_in_time, 20_000);
    expect(window).toMatchObject({ limitation: null, wal_gap: null });
    const cluster = kube.objects().find((o) => o.kind === 'Cluster' && (o.metadata as JsonObject).namespace === namespaceFor('cl_pitr'));
    expect(((cluster?.status as JsonObject).conditions as JsonObject[]).find((c) => c.type === 'ContinuousArchiving')).toMatchObject({ status: 'True' });

    await query(port, "insert into notes (note) values ('t1')");
    await pause(500);
    const betweenT1AndT2 = new Date().toISOString();
    await pause(500);
    await query(port, "insert into notes (note) values ('t2')");
    await pause(500);
    const betweenT2AndT3 = new Date().toISOString();
    await pause(500);
    await query(port, "insert into notes (note) values ('t3')");

    // A branch at a time: its own CNPG Cluster recovers the source's history, replaying its WAL to that time.
    cp.send(await cp.command('cl_pitr_branch', 1, password, { source: { cluster_id: 'cl_pitr', backup_id: null, target_time: betweenT1AndT2 } }));
    const branch = await cp.waitFor('status', (s) => s.cluster_id === 'cl_pitr_branch' && s.phase === 'running', 60_000);
    expect(await notes(branch.endpoint!.port)).toEqual(['t1']);
    expect(await notes(port)).toEqual(['t1', 't2', 't3']);
    // The branch archives under its own serverName (its new timeline first), never its source's.
    const stored = new ObjectStore(storeConfig);
    try {
      await waitFor(async () => (await stored.list('clusters/cl_pitr_branch/wal/')).some((o) => o.key.endsWith('.history.zst')), 20_000, "the branch's timeline history archived");
    } finally {
      stored.close();
    }

    // In place: a new CNPG Cluster recovers to between t2 and t3, and takes over.
    const restore = { restore_id: 'rs_pitr', backup_id: null, target_time: betweenT2AndT3, requested_at: new Date().toISOString() };
    cp.send(await cp.command('cl_pitr', 3, password, { backups, restore }));
    await cp.waitFor('event', (e) => e.cluster_id === 'cl_pitr' && e.event_type === 'restored', 60_000);
    const restored = await cp.waitFor('status', (s) => s.cluster_id === 'cl_pitr' && s.observed_generation === 3 && s.phase === 'running', 60_000);
    expect(await notes(restored.endpoint!.port)).toEqual(['t1', 't2']);

    // The store goes away once the restored cluster's own history has begun (its first backup): the next finished
    // segment is refused, CloudNativePG's condition says so, and the window falls back to the backups alone.
    const ownBackup = await cp.waitFor('backup', (b) => b.cluster_id === 'cl_pitr' && b.kind === 'automatic' && b.status !== 'running', 60_000);
    expect(ownBackup.status).toBe('completed');
    await s3.stop();
    await query(restored.endpoint!.port, "create table filler as select repeat('x', 1000) as pad from generate_series(1, 20000)");
    const archiving = () => {
      const current = kube.objects().find((o) => o.kind === 'Cluster' && (o.metadata as JsonObject).namespace === namespaceFor('cl_pitr') && (o.metadata as JsonObject).name === 'postgres-r1');
      return (((current?.status as JsonObject | undefined)?.conditions ?? []) as JsonObject[]).find((c) => c.type === 'ContinuousArchiving');
    };
    await waitFor(() => archiving()?.status === 'False', 30_000, 'ContinuousArchiving False');
    expect(archiving()).toMatchObject({ reason: 'ContinuousArchivingFailing' });
    const failing = await cp.waitFor('restore_window', (w) => w.cluster_id === 'cl_pitr' && !w.point_in_time && w.earliest !== null, 20_000);
    expect(failing.limitation).toContain('WAL archiving is failing');
  }, 240_000);
});
