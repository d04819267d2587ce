// The kubernetes driver's telemetry against the Kubernetes API server stand-in with real PostgreSQL servers behind its
// simulated CloudNativePG operator: the app role's SQL access, metrics from the instance's exporter through the pod
// proxy with pod usage from metrics.k8s.io (and without it), a RAISE LOG line followed and read back from the pod's
// log, and the stand-in's pod endpoints refusing what the real API server refuses.
import { KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../protocol/agent.ts';
import type { LogEntry } from '../../../protocol/observability.ts';
import { SIZE_TABLE } from '../../../protocol/sizes.ts';
import { AGENT_CLUSTER_ROLE_RULES } from '../../../core/regions/install-manifests.ts';
import { clusterSpec, collectingLogger, tempDir, waitFor, type CollectingLogger } from '../../testing/fixtures.ts';
import { startKubeApiServerStandIn, type KubeApiServerStandIn } from '../../testing/kube-apiserver/index.ts';
import { localInstances, type LocalInstances } from '../../testing/kube-apiserver/local-instances.ts';
import type { DriverRecord, SqlAccess } from '../driver.ts';
import { KubernetesDriver } from './kubernetes-driver.ts';
import { namespaceFor } from './manifests.ts';

const PASSWORD = 'telemetry-Password-1';

interface Running {
  server: KubeApiServerStandIn;
  driver: KubernetesDriver;
  log: CollectingLogger;
  record: DriverRecord | null;
}

let instancesDir: Awaited<ReturnType<typeof tempDir>>;
let instances: LocalInstances;
const running: Running[] = [];

/** A stand-in with the real servers, a driver on it reaching clusters as an agent outside Kubernetes does, and one running cluster. */
async function runningCluster(clusterId: string, spec: ClusterSpec, metricsApi: boolean): Promise<Running> {
  // Under the agent's own ClusterRole, as the install manifests grant it: what the driver reads, the role allows.
  const server = await startKubeApiServerStandIn({ operator: { stepDelayMs: 10, instances }, metricsApi, rbac: AGENT_CLUSTER_ROLE_RULES });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig());
  const log = collectingLogger();
  // Credentials from a kubeconfig, not a service account: the agent is outside the cluster and takes the load balancer.
  const driver = new KubernetesDriver({ kubeConfig, log, followRefreshMs: 200 });
  const it: Running = { server, driver, log, record: null };
  running.push(it);
  it.record = (await driver.apply({ clusterId, generation: 1, spec, password: PASSWORD, record: null, emit: () => {} })).record;
  await waitFor(async () => (await driver.observe(clusterId, spec, it.record)).phase === 'running', 60_000, 'the cluster running');
  return it;
}

async function connect(access: SqlAccess): Promise<pg.Client> {
  const client = new pg.Client({ ...access.app, connectionTimeoutMillis: 5000 });
  await client.connect();
  return client;
}

beforeAll(async () => {
  instancesDir = await tempDir('kube-telemetry');
  instances = localInstances({ dataDir: instancesDir.path, log: collectingLogger() });
}, 30_000);

afterAll(async () => {
  for (const r of running.splice(0)) {
    await r.driver.shutdown();
    await r.server.stop();
    // The password reaches the Secret and the agent's connection, never a log line.
    expect(r.log.lines.join('\n')).not.toContain(PASSWORD);
  }
  await instances?.shutdown();
  await instancesDir?.remove();
}, 60_000);

describe('kubernetes driver telemetry', () => {
  const CLUSTER = 'cl_01ktelemetry';
  const spec = clusterSpec({ size: 'small' });
  let r: Running;

  beforeAll(async () => {
    r = await runningCluster(CLUSTER, spec, true);
  }, 90_000);

  it('gives the app role\'s access to the running cluster: a pg client runs select 1', async () => {
    const access = (await r.driver.sqlAccess(CLUSTER, spec, PASSWORD, r.record))!;
    expect(access).toMatchObject({ app: { user: spec.username, database: spec.database, password: PASSWORD }, admin: null });
    const client = await connect(access);
    try {
      expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
    // An agent on the pod's service account (KubeConfig.loadFromCluster's `inCluster`) is in the cluster: the -rw Service.
    const inCluster = new KubeConfig();
    inCluster.loadFromOptions({
      clusters: [{ name: 'inCluster', server: r.server.url, skipTLSVerify: true }],
      users: [{ name: 'inClusterUser', token: r.server.token }],
      contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser' }],
      currentContext: 'inClusterContext',
    });
    const agentInCluster = new KubernetesDriver({ kubeConfig: inCluster, log: r.log });
    expect((await agentInCluster.sqlAccess(CLUSTER, spec, PASSWORD, r.record))?.app).toMatchObject({ host: `postgres-rw.${namespaceFor(CLUSTER)}.svc`, port: 5432 });
    await agentInCluster.shutdown();
  });

  it('samples the exporter through the pod proxy: transactions rise with the inserts, connections are counted, usage from the metrics API', async () => {
    const before = (await r.driver.sampleMetrics(CLUSTER, spec, r.record))!;
    const access = (await r.driver.sqlAccess(CLUSTER, spec, PASSWORD, r.record))!;
    const clients = await Promise.all([0, 1, 2].map(() => connect(access)));
    try {
      const writer = await connect(access);
      await writer.query('create table if not exists ticks (n int)');
      for (let n = 0; n < 25; n++) await writer.query('insert into ticks values ($1)', [n]);
      // A backend reports its statistics when it goes idle, at most once a second, and when it exits.
      await writer.end();
      const after = await waitFor(
        async () => {
          const sample = (await r.driver.sampleMetrics(CLUSTER, spec, r.record))!;
          return sample.xactTotal! - before.xactTotal! >= 26 ? sample : undefined;
        },
        5000,
        'the inserts counted',
      );
      // The three clients, idle between statements (the exporter's own connection is the active one).
      expect(after.connectionsIdle).toBeGreaterThanOrEqual(3);
      expect(after.connectionsActive).toBeGreaterThanOrEqual(1);
      expect(after.connectionsMax).toBe(SIZE_TABLE.small.max_connections);
      expect(after.blocksHit).toBeGreaterThan(0);
      expect(after.databaseSizeBytes).toBeGreaterThan(1_000_000);
      // One instance: no replica lag.
      expect(after).not.toHaveProperty('replicationLagSeconds');
      expect(after.memoryBytes).toBeGreaterThan(1_000_000);
      expect(after.cpuCores).toBeGreaterThanOrEqual(0);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('follows the pod\'s log: a RAISE LOG line arrives within 2 s, and the history has it', async () => {
    const seen: LogEntry[] = [];
    const stop = r.driver.followLogs(CLUSTER, spec, r.record, (entries) => seen.push(...entries));
    try {
      // Raised at once: the lines from the call on arrive, however long the stream takes to open.
      const marker = `telemetry-marker-${Date.now()}`;
      const client = await connect((await r.driver.sqlAccess(CLUSTER, spec, PASSWORD, r.record))!);
      const raisedAt = Date.now();
      try {
        await client.query(`DO $$ BEGIN RAISE LOG '${marker}'; END $$`);
        await client.query('select * from no_such_table').catch(() => undefined);
      } finally {
        await client.end();
      }
      const line = await waitFor(() => seen.find((e) => e.message === marker), 2000, 'the RAISE LOG line');
      expect(Date.now() - raisedAt).toBeLessThan(2000);
      expect(line.level).toBe('info');
      const failed = await waitFor(() => seen.find((e) => e.message.includes('no_such_table')), 2000, 'the error line');
      expect(failed.level).toBe('error');

      const history = await r.driver.logHistory(CLUSTER, spec, r.record, { since: new Date(raisedAt - 1000).toISOString(), limit: 50 });
      expect(history.map((e) => e.message)).toContain(marker);
      expect(history.every((e) => Date.parse(e.at) >= raisedAt - 1000)).toBe(true);
      // The newest `limit`, oldest first.
      const two = await r.driver.logHistory(CLUSTER, spec, r.record, { since: null, limit: 2 });
      expect(two).toHaveLength(2);
      expect(two[0]!.at <= two[1]!.at).toBe(true);
      expect(await r.driver.logHistory(CLUSTER, spec, r.record, { since: new Date(Date.now() + 60_000).toISOString(), limit: 50 })).toEqual([]);
    } finally {
      stop();
    }
  });

  it('serves the pod endpoints as strictly as the API server', async () => {
    const namespace = namespaceFor(CLUSTER);
    const get = (path: string) => fetch(`${r.server.url}${path}`, { headers: { authorization: `Bearer ${r.server.token}` } });
    const pods = `/api/v1/namespaces/${namespace}/pods`;
    expect((await get(`${pods}/postgres-1:9187/proxy/metrics`)).status).toBe(200);
    expect((await get(`${pods}/postgres-1:9187/proxy/nothing`)).status).toBe(404);
    expect((await get(`${pods}/postgres-1:8000/proxy/pg/status`)).status).toBe(503);
    const unknown = await get(`${pods}/postgres-9:9187/proxy/metrics`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'pods "postgres-9" not found' });
    expect((await get(`/api/v1/namespaces/elsewhere/pods/postgres-1/log`)).status).toBe(404);
    expect((await get(`${pods}/postgres-1/log?container=bootstrap-controller`)).status).toBe(400);
    expect((await get(`${pods}/postgres-1/log?tailLines=-1`)).status).toBe(400);
    expect((await get(`${pods}/postgres-1/log?sinceTime=yesterday`)).status).toBe(400);
    expect((await get(`${pods}/postgres-1/log?sinceTime=2026-01-01T00:00:00Z&sinceSeconds=5`)).status).toBe(422);
    const tail = await get(`${pods}/postgres-1/log?container=postgres&tailLines=3`);
    expect((await tail.text()).trim().split('\n')).toHaveLength(3);
    expect(await (await get(`/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods/postgres-1`)).json()).toMatchObject({
      kind: 'PodMetrics',
      containers: [{ name: 'postgres', usage: { cpu: expect.stringMatching(/^\d+n$/), memory: expect.stringMatching(/^\d+Ki$/) } }],
    });
    // Authorized before anything else, as the real server does: the role grants no create on pods/log.
    expect((await fetch(`${r.server.url}${pods}/postgres-1/log`, { method: 'POST', headers: { authorization: `Bearer ${r.server.token}` } })).status).toBe(403);
    expect(((await (await get('/apis')).json()) as { groups: Array<{ name: string }> }).groups.map((g) => g.name)).toContain('metrics.k8s.io');
  });

  it('has nothing to sample or connect to while the cluster sleeps, and a follow that went on through the sleep has the woken server\'s lines', async () => {
    const seen: LogEntry[] = [];
    const stop = r.driver.followLogs(CLUSTER, spec, r.record, (entries) => seen.push(...entries));
    try {
      const before = `before-the-sleep-${Date.now()}`;
      const first = await connect((await r.driver.sqlAccess(CLUSTER, spec, PASSWORD, r.record))!);
      await first.query(`DO $$ BEGIN RAISE LOG '${before}'; END $$`).finally(() => first.end());
      await waitFor(() => seen.some((e) => e.message === before), 2000, 'the line written before the sleep');
      const asleep = { ...spec, state: 'sleeping' as const };
      await r.driver.apply({ clusterId: CLUSTER, generation: 2, spec: asleep, password: PASSWORD, record: r.record, emit: () => {} });
      await waitFor(async () => (await r.driver.observe(CLUSTER, asleep, r.record)).phase === 'sleeping', 30_000, 'asleep');
      expect(await r.driver.sampleMetrics(CLUSTER, asleep, r.record)).toBeNull();
      expect(await r.driver.sqlAccess(CLUSTER, asleep, PASSWORD, r.record)).toBeNull();
      expect(await r.driver.logHistory(CLUSTER, asleep, r.record, { since: null, limit: 10 })).toEqual([]);

      await r.driver.apply({ clusterId: CLUSTER, generation: 3, spec, password: PASSWORD, record: r.record, emit: () => {} });
      await waitFor(async () => (await r.driver.observe(CLUSTER, spec, r.record)).phase === 'running', 30_000, 'awake');
      const marker = `after-the-wake-${Date.now()}`;
      const client = await connect((await r.driver.sqlAccess(CLUSTER, spec, PASSWORD, r.record))!);
      try {
        await client.query(`DO $$ BEGIN RAISE LOG '${marker}'; END $$`);
      } finally {
        await client.end();
      }
      await waitFor(() => seen.some((e) => e.message === marker), 5000, 'the line written after the wake');
      // Each line once, though the stream was opened again on the new pod, whose log begins with its server's start.
      const count = (message: string) => seen.filter((e) => e.message === message).length;
      expect([count(before), count(marker), count('database system is ready to accept connections')]).toEqual([1, 1, 1]);
    } finally {
      stop();
    }
  }, 60_000);
});

describe('the agent\'s ClusterRole', () => {
  it('is what lets the driver read pod logs: without its pods/log rule the API server refuses with 403', async () => {
    const rules = AGENT_CLUSTER_ROLE_RULES.map((rule) => ({ ...rule, resources: rule.resources.filter((r) => r !== 'pods/log') }));
    const server = await startKubeApiServerStandIn({ operator: false, rbac: rules });
    try {
      const headers = { authorization: `Bearer ${server.token}` };
      const refused = await fetch(`${server.url}/api/v1/namespaces/orochi-x/pods/postgres-1/log?container=postgres`, { headers });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({
        reason: 'Forbidden',
        message: 'pods "postgres-1" is forbidden: User "system:serviceaccount:orochi-system:orochi-agent" cannot get resource "pods/log" in API group "" in the namespace "orochi-x"',
      });
      // Granted: the proxy (to a pod that is not there), and no list of pods, which the role does not need.
      expect((await fetch(`${server.url}/api/v1/namespaces/orochi-x/pods/postgres-1:9187/proxy/metrics`, { headers })).status).toBe(404);
      expect((await fetch(`${server.url}/api/v1/namespaces/orochi-x/pods`, { headers })).status).toBe(403);
      expect((await fetch(`${server.url}/api/v1/secrets?watch=1`, { headers })).status).toBe(403);
    } finally {
      await server.stop();
    }
  });
});

describe('kubernetes driver telemetry without the metrics API', () => {
  it('samples the exporter without CPU and memory, and does not ask the metrics API again on every sample', async () => {
    const CLUSTER = 'cl_01knometrics';
    const spec = clusterSpec();
    const r = await runningCluster(CLUSTER, spec, false);
    const first = (await r.driver.sampleMetrics(CLUSTER, spec, r.record))!;
    expect(first.xactTotal).toBeGreaterThan(0);
    expect(first).not.toHaveProperty('cpuCores');
    expect(first).not.toHaveProperty('memoryBytes');
    await r.driver.sampleMetrics(CLUSTER, spec, r.record);
    expect(r.log.lines.filter((line) => line.includes('metrics API is not installed'))).toHaveLength(1);
    const headers = { authorization: `Bearer ${r.server.token}` };
    expect((await fetch(`${r.server.url}/apis/metrics.k8s.io/v1beta1/namespaces/${namespaceFor(CLUSTER)}/pods/postgres-1`, { headers })).status).toBe(404);
    expect(((await (await fetch(`${r.server.url}/apis`, { headers })).json()) as { groups: Array<{ name: string }> }).groups.map((g) => g.name)).not.toContain('metrics.k8s.io');
  }, 90_000);
});
