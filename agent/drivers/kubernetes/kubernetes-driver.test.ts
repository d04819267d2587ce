// The kubernetes driver against the Kubernetes API server stand-in and its simulated CloudNativePG operator.
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../protocol/agent.ts';
import { clusterSpec, collectingLogger, tempDir, waitFor, type CollectingLogger } from '../../testing/fixtures.ts';
import { startKubeApiServerStandIn, type JsonObject, type KubeApiServerStandIn } from '../../testing/kube-apiserver/index.ts';
import type { ClusterObservation, DriverEvent, ObservedBackup } from '../driver.ts';
import { derivedBackupId } from './cnpg-backup-report.ts';
import { FIELD_MANAGER, KubernetesDriver, loadKubeConfig } from './kubernetes-driver.ts';
import { namespaceFor } from './manifests.ts';

const CLUSTER = 'cl_01kdriver';
const NAMESPACE = namespaceFor(CLUSTER);
const PASSWORD = 'correct horse battery staple';

let server: KubeApiServerStandIn;
let driver: KubernetesDriver;
let log: CollectingLogger;
let events: DriverEvent[];
let generation: number;

beforeEach(async () => {
  server = await startKubeApiServerStandIn({ operator: { stepDelayMs: 5 } });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig());
  log = collectingLogger();
  driver = new KubernetesDriver({ kubeConfig, log, watchBackoff: { baseMs: 20, capMs: 100 } });
  events = [];
  generation = 0;
});

afterEach(async () => {
  await driver.shutdown();
  await server.stop();
  // The password goes into the Secret and nowhere else.
  expect(log.lines.join('\n')).not.toContain(PASSWORD);
});

function apply(spec: ClusterSpec) {
  return driver.apply({ clusterId: CLUSTER, generation: ++generation, spec, password: PASSWORD, record: null, emit: (e) => events.push(e) });
}

async function settles(spec: ClusterSpec, phase: string, timeoutMs = 5000): Promise<ClusterObservation> {
  return waitFor(
    async () => {
      const o = await driver.observe(CLUSTER, spec, null);
      return (o.phase ?? o.state) === phase ? o : undefined;
    },
    timeoutMs,
    `phase ${phase}`,
  );
}

const find = (kind: string, name?: string) =>
  server.objects().find((o) => o.kind === kind && (o.metadata as JsonObject).namespace === NAMESPACE && (name === undefined || (o.metadata as JsonObject).name === name));
const versions = () =>
  server
    .objects()
    .filter((o) => (o.metadata as JsonObject).namespace === NAMESPACE || (o.metadata as JsonObject).name === NAMESPACE)
    .map((o) => `${String(o.kind)}/${String((o.metadata as JsonObject).name)}@${String((o.metadata as JsonObject).resourceVersion)}`)
    .sort();

describe('kubernetes driver', () => {
  it('creates a cluster that reaches running with the load balancer endpoint; a re-apply changes nothing', async () => {
    const spec = clusterSpec({ instances: 2 });
    const first = await apply(spec);
    expect(first.observation.state).toBe('running');
    // How far the operator got by then depends on its timing (the agent test sees it provisioning).
    expect(['provisioning', 'updating', 'running']).toContain(first.observation.phase);
    expect(first.record).toMatchObject({ namespace: NAMESPACE, cluster_generation: 1, placement: { name: 'postgres', serverName: CLUSTER, recovery: null }, next: null });
    expect(events.map((e) => e.event_type)).toEqual(['created']);
    const running = await settles(spec, 'running');
    expect(running).toMatchObject({ state: 'running', endpoint: { host: '127.0.0.1', port: 5432 }, instances: 2, ready_instances: 2 });
    const cluster = find('Cluster', 'postgres') as JsonObject;
    const managers = ((cluster.metadata as JsonObject).managedFields as JsonObject[]).filter((m) => m.operation === 'Apply').map((m) => m.manager);
    expect(managers).toEqual([FIELD_MANAGER]);

    // The same command again (same generation): no object changes, no event.
    const before = versions();
    const again = await driver.apply({ clusterId: CLUSTER, generation, spec, password: PASSWORD, record: null, emit: (e) => events.push(e) });
    expect(again.observation).toMatchObject({ state: 'running', phase: 'running' });
    expect(versions()).toEqual(before);
    expect(events.map((e) => e.event_type)).toEqual(['created']);
    expect(find('Secret', 'postgres-app-credentials')).toBeTruthy();
    expect(find('NetworkPolicy')).toBeTruthy();
  });

  it('resizes, sleeps through hibernation, wakes, and deletes the namespace', async () => {
    await apply(clusterSpec());
    await settles(clusterSpec(), 'running');

    const bigger = clusterSpec({ instances: 3, size: 'medium' });
    const resized = await apply(bigger);
    expect(resized.observation.state).toBe('running');
    expect(events.map((e) => e.event_type)).toContain('updated');
    expect(await settles(bigger, 'running')).toMatchObject({ instances: 3, ready_instances: 3 });
    expect(((find('Cluster', 'postgres') as JsonObject).spec as JsonObject).resources).toMatchObject({ limits: { cpu: '2', memory: '8Gi' } });

    const asleep = clusterSpec({ instances: 3, size: 'medium', state: 'sleeping' });
    expect((await apply(asleep)).observation.state).toBe('sleeping');
    expect(await settles(asleep, 'sleeping')).toMatchObject({ state: 'sleeping', endpoint: null, ready_instances: 0 });
    expect(events.map((e) => e.event_type)).toContain('stopped');

    const awake = clusterSpec({ instances: 3, size: 'medium' });
    const woken = await apply(awake);
    expect(woken.observation.state).toBe('running');
    expect(await settles(awake, 'running')).toMatchObject({ ready_instances: 3, endpoint: { host: '127.0.0.1', port: 5432 } });
    expect(events.map((e) => e.event_type)).toContain('started');

    const gone = clusterSpec({ state: 'deleted' });
    const deleted = await apply(gone);
    expect(deleted).toMatchObject({ observation: { state: 'deleted', phase: 'deleted' }, record: null });
    expect(server.objects().some((o) => (o.metadata as JsonObject).name === NAMESPACE || (o.metadata as JsonObject).namespace === NAMESPACE)).toBe(false);
    expect(events.at(-1)?.event_type).toBe('deleted');
    // Deleting again finds nothing to do.
    expect((await apply(gone)).observation.state).toBe('deleted');
    expect(events.filter((e) => e.event_type === 'deleted')).toHaveLength(1);
    expect(await driver.observe(CLUSTER, clusterSpec(), null)).toMatchObject({ state: 'deleted' });
  });

  it("reports the operator's failure as phase failed with its message", async () => {
    await apply(clusterSpec());
    server.operator?.failCluster(NAMESPACE, 'postgres', 'initdb failed: no space left on device');
    const failed = await settles(clusterSpec(), 'failed');
    expect(failed).toMatchObject({ state: 'running', endpoint: null, message: 'Cluster is unrecoverable and needs manual intervention: initdb failed: no space left on device' });
    server.operator?.recover(NAMESPACE, 'postgres');
    await settles(clusterSpec(), 'running');
  });

  it('rotates the password through the Secret and is running again once the instances hold it', async () => {
    const spec = clusterSpec();
    await apply(spec);
    await settles(spec, 'running');
    const cluster = () => find('Cluster', 'postgres') as JsonObject;
    const clusterGeneration = (cluster().metadata as JsonObject).generation;
    const rotated = await driver.apply({ clusterId: CLUSTER, generation: ++generation, spec, password: 'a brand new password', record: null, emit: (e) => events.push(e) });
    expect(events.filter((e) => e.event_type === 'password_rotated')).toHaveLength(1);
    // Only the Secret changed: the Cluster names it and never carries the password.
    expect((cluster().metadata as JsonObject).generation).toBe(clusterGeneration);
    expect(events.map((e) => e.event_type)).not.toContain('updated');
    const secret = find('Secret', 'postgres-app-credentials') as JsonObject;
    expect(Buffer.from(String((secret.data as JsonObject).password), 'base64').toString()).toBe('a brand new password');
    expect(['updating', 'running']).toContain(rotated.observation.phase);
    const held = await settles(spec, 'running');
    expect(held.endpoint).not.toBeNull();
    expect((((cluster().status as JsonObject).secretsResourceVersion as JsonObject).applicationSecretVersion)).toBe((secret.metadata as JsonObject).resourceVersion);
  });

  it('says when the Cluster spec was changed outside the agent', async () => {
    const spec = clusterSpec({ instances: 2 });
    const { record } = await apply(spec);
    expect((await settles(spec, 'running')).drift).toBeUndefined();
    expect((await driver.observe(CLUSTER, spec, record)).drift).toBeUndefined();
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    const intruder = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'postgres', namespace: NAMESPACE }, spec: { instances: 4 } };
    await KubernetesObjectApi.makeApiClient(kc).patch(intruder as KubernetesObject, undefined, undefined, 'kubectl-edit', true, PatchStrategy.ServerSideApply);
    expect((await driver.observe(CLUSTER, spec, record)).drift).toBe('spec changed outside the agent (generation 1 -> 2)');
    const again = await driver.apply({ clusterId: CLUSTER, generation, spec, password: PASSWORD, record, emit: (e) => events.push(e) });
    expect(again.record).toMatchObject({ namespace: NAMESPACE, cluster_generation: 3 });
    expect(again.observation.drift).toBeUndefined();
    expect(((find('Cluster', 'postgres') as JsonObject).spec as JsonObject).instances).toBe(2);
  });

  it('takes spec.instances back from another field manager by forcing the apply', async () => {
    const spec = clusterSpec({ instances: 2 });
    await apply(spec);
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    const other = KubernetesObjectApi.makeApiClient(kc);
    const intruder = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'postgres', namespace: NAMESPACE }, spec: { instances: 5 } };
    await other.patch(intruder as KubernetesObject, undefined, undefined, 'someone-else', true, PatchStrategy.ServerSideApply);
    expect(((find('Cluster', 'postgres') as JsonObject).spec as JsonObject).instances).toBe(5);
    await apply(spec);
    expect(((find('Cluster', 'postgres') as JsonObject).spec as JsonObject).instances).toBe(2);
    expect(await settles(spec, 'running')).toMatchObject({ instances: 2, ready_instances: 2 });
  });

  it('tells its watchers about every change, through dropped watches and a compacted history', async () => {
    const seen: string[] = [];
    const stop = driver.watch((id) => seen.push(id));
    await waitFor(() => server.openWatches() === 1, 5000, 'the watch');
    await apply(clusterSpec());
    await waitFor(() => seen.length > 0, 5000, 'a first notification');
    expect(new Set(seen)).toEqual(new Set([CLUSTER]));

    // Dropped: the watch comes back, resuming where it was.
    server.dropWatches({ abrupt: true });
    await waitFor(() => server.openWatches() === 1, 5000, 'the watch back');
    let count = seen.length;
    await apply(clusterSpec({ instances: 2 }));
    await waitFor(() => seen.length > count, 5000, 'notifications after the drop');
    expect(await settles(clusterSpec({ instances: 2 }), 'running')).toMatchObject({ ready_instances: 2 });

    // Compacted while dropped: resuming gets 410 Gone, so the driver lists again (and says so for every cluster).
    server.stallWatches();
    await apply(clusterSpec({ instances: 3 }));
    server.compact();
    count = seen.length;
    server.dropWatches();
    await waitFor(() => seen.length > count, 5000, 'notifications after the 410');
    expect(log.lines.some((l) => l.includes('"code":410'))).toBe(true);
    await waitFor(() => server.openWatches() === 1, 5000, 'the watch after the re-list');
    expect(await settles(clusterSpec({ instances: 3 }), 'running')).toMatchObject({ ready_instances: 3 });
    count = seen.length;
    await apply(clusterSpec({ instances: 3, state: 'sleeping' }));
    await waitFor(() => seen.length > count, 5000, 'notifications after the re-list');

    stop();
    await waitFor(() => server.openWatches() === 0, 5000, 'the watch closed');
  });

  it("reports a schedule's Backup of a managed namespace under a derived bk_ id, and not again after a restart", async () => {
    await apply(clusterSpec());
    await settles(clusterSpec(), 'running');
    const seen: ObservedBackup[] = [];
    const stop = driver.watchBackups((backup) => seen.push(backup));
    await waitFor(() => server.openWatches() === 1, 5000, 'the Backup watch');
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    const api = KubernetesObjectApi.makeApiClient(kc);
    // As CloudNativePG's ScheduledBackup makes them: none of the agent's labels or annotations. A Backup of a namespace
    // the agent does not manage is none of its business.
    const made = (namespace: string) =>
      api.create({
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Backup',
        metadata: { name: 'scheduled-20260301030000', namespace, labels: { 'cnpg.io/scheduled-backup': 'scheduled', 'cnpg.io/cluster': 'postgres' } },
        spec: { cluster: { name: 'postgres' }, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' } },
      } as KubernetesObject);
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere' } } as KubernetesObject);
    await made('elsewhere');
    const created = await made(NAMESPACE);
    // The stand-in's Cluster has no WAL archiver here, so the Backup fails, which is reported as it is.
    const failed = await waitFor(() => seen.find((b) => b.status === 'failed'), 5000, 'the failed report');
    expect(failed).toMatchObject({ cluster_id: CLUSTER, kind: 'scheduled', backup_id: derivedBackupId(created.metadata!.uid!, created.metadata!.creationTimestamp!.toISOString()) });
    expect(failed.error).toMatch(/^CloudNativePG Backup scheduled-20260301030000 failed: .*WAL archiver/);
    expect(new Set(seen.map((b) => b.cluster_id))).toEqual(new Set([CLUSTER]));
    await waitFor(() => ((find('Backup')?.metadata as JsonObject).annotations as Record<string, string> | undefined)?.['orochi.cloud/reported'] === 'failed', 5000, 'the mark');
    stop();
    await driver.shutdown();

    // Restarted: the list hands every Backup over again, and the one already told is not reported twice.
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(server.kubeconfig());
    driver = new KubernetesDriver({ kubeConfig, log, watchBackoff: { baseMs: 20, capMs: 100 } });
    const again: ObservedBackup[] = [];
    driver.watchBackups((backup) => again.push(backup));
    await waitFor(() => server.openWatches() === 1, 5000, 'the Backup watch again');
    await new Promise((r) => setTimeout(r, 100));
    expect(again).toEqual([]);
  });

  it('loads a kubeconfig from the flag or KUBECONFIG, and refuses to guess', async () => {
    const dir = await tempDir('kubeconfig');
    try {
      const file = join(dir.path, 'config');
      await writeFile(file, server.kubeconfig());
      expect(loadKubeConfig(file, {}).getCurrentCluster()?.server).toBe(server.url);
      expect(loadKubeConfig(null, { KUBECONFIG: file }).getCurrentCluster()?.server).toBe(server.url);
      expect(() => loadKubeConfig(null, {})).toThrow(/--kubeconfig/);
    } finally {
      await dir.remove();
    }
  });
});
