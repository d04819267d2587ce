// The lifecycle end to end once more, on a region whose agent runs the `kubernetes` driver: the whole local stack
// (`wrangler dev`, catalog, realtime), a region registered through the API as an operator would, the agent as its own
// process with `--driver kubernetes --kubeconfig`, and the Kubernetes API server STAND-IN with its simulated
// CloudNativePG operator (the real API server and operator cannot run here). The simulated operator backs each CNPG
// Cluster with a real PostgreSQL server (agent/testing/kube-apiserver/local-instances.ts), so the connection string
// the API hands out is used with a real Postgres client, as in the local-driver flow.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceFor } from '../agent/drivers/kubernetes/manifests.ts';
import { collectingLogger } from '../agent/testing/fixtures.ts';
import { startKubeApiServerStandIn, type JsonObject, type KubeApiServerStandIn } from '../agent/testing/kube-apiserver/index.ts';
import { localInstances, type LocalInstances } from '../agent/testing/kube-apiserver/local-instances.ts';
import { removeDataDir, spawnAgent, startStack, stopChild, type Stack } from '../dev/stack.ts';
import { portOpen, sql, stackClient, type Session } from './stack-client.ts';

let stack: Stack;
let kube: KubeApiServerStandIn;
let instances: LocalInstances;
let dataDir: string;
let client: ReturnType<typeof stackClient>;
let session: Session;
let regionId: string;
let agent: ChildProcess | null = null;
const logs: string[] = [];

async function startAgent(registrationToken: string | null): Promise<void> {
  agent = spawnAgent({
    url: stack.url,
    dataDir: join(dataDir, 'k8s-agent'),
    registrationToken,
    args: ['--driver', 'kubernetes', '--kubeconfig', join(dataDir, 'kubeconfig')],
    output: (line) => logs.push(`[agent] ${line}`),
  });
}

async function stopAgent(signal: NodeJS.Signals): Promise<void> {
  if (agent) await stopChild(agent, signal, 10_000);
  agent = null;
}

const inNamespace = (clusterId: string) =>
  kube.objects().filter((o) => (o.metadata as JsonObject).namespace === namespaceFor(clusterId) || (o.metadata as JsonObject).name === namespaceFor(clusterId));
const cnpgCluster = (clusterId: string) => inNamespace(clusterId).find((o) => o.kind === 'Cluster');

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-e2e-k8s-'));
  const port = 29787 + Math.floor(Math.random() * 1000);
  stack = await startStack({ dataDir, port, agent: false, wranglerLogLevel: 'warn', output: (source, line) => logs.push(`[${source}] ${line}`) });
  client = stackClient(stack);
  await mkdir(join(dataDir, 'instances'));
  instances = localInstances({ dataDir: join(dataDir, 'instances'), log: collectingLogger() });
  kube = await startKubeApiServerStandIn({ operator: { stepDelayMs: 50, instances } });
  await writeFile(join(dataDir, 'kubeconfig'), kube.kubeconfig(), { mode: 0o600 });

  // The operator's path: a region through the API, its one-time token handed to the agent.
  session = await client.signUp();
  const region = await client.api('POST', '/v1/regions', session.token, { name: 'k8s-e2e', provider: 'onprem', driver: 'kubernetes' });
  expect(region.status).toBe(201);
  regionId = region.body.region.id;
  await startAgent(region.body.registration_token);
  const deadline = Date.now() + 60_000;
  while ((await client.api('GET', `/v1/regions/${regionId}`, session.token)).body.region.status !== 'online') {
    if (Date.now() > deadline) throw new Error(`the kubernetes agent did not come online:\n${logs.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 180_000);

afterAll(async () => {
  await stopAgent('SIGTERM');
  await kube?.stop();
  await instances?.shutdown();
  await stack?.stop();
  if (dataDir) await removeDataDir(dataDir);
}, 60_000);

describe('a PostgreSQL cluster on a kubernetes region (API server stand-in), end to end', () => {
  it('is created, used over SQL, resized, put to sleep, woken, re-keyed and deleted', async () => {
    const created = await client.api('POST', '/v1/clusters', session.token, { name: 'k8s-main', region_id: regionId, size: 'small', password: 'first-password-123' });
    expect(created.status).toBe(202);
    const id = created.body.cluster.id;
    const live = await client.watch(session, id);

    const running = await live.status('running', 60_000);
    await live.operation(created.body.operation.id);
    // The endpoint is the LoadBalancer Service's address, read by the driver from its status.
    const endpoint = running.cluster.endpoint;
    expect(endpoint.host).toBe('127.0.0.1');
    const lb = inNamespace(id).find((o) => o.kind === 'Service' && (o.metadata as JsonObject).name === 'postgres-lb') as JsonObject;
    expect(((lb.spec as JsonObject).ports as JsonObject[])[0]?.port).toBe(endpoint.port);
    const spec = cnpgCluster(id)?.spec as JsonObject;
    expect(spec).toMatchObject({ instances: 1, enableSuperuserAccess: false, bootstrap: { initdb: { database: 'app', owner: 'app', secret: { name: 'postgres-app-credentials' } } } });

    const conn = await client.api('GET', `/v1/clusters/${id}/connection?reveal=true`, session.token);
    expect(conn.body.password).toBe('first-password-123');
    const db = new pg.Client({ connectionString: conn.body.value });
    await db.connect();
    await db.query('create table notes (id serial primary key, body text not null)');
    await db.query("insert into notes (body) values ('kept across sleep')");
    expect((await db.query('show max_connections')).rows).toEqual([{ max_connections: '100' }]);
    await db.end();
    await expect(sql(endpoint, 'wrong-password-000', 'select 1')).rejects.toThrow(/password authentication failed/);

    // Resize: the Cluster's resources and parameters change, and the server behind it takes the new limit.
    const resized = await client.api('PATCH', `/v1/clusters/${id}`, session.token, { size: 'medium', instances: 2 });
    expect(resized.status).toBe(202);
    await live.operation(resized.body.operation.id, 'finished', 60_000);
    expect(cnpgCluster(id)?.spec).toMatchObject({ instances: 2, resources: { limits: { cpu: '2', memory: '8Gi' } }, postgresql: { parameters: { max_connections: '200' } } });
    expect((cnpgCluster(id)?.status as JsonObject).readyInstances).toBe(2);
    const afterResize = (await client.api('GET', `/v1/clusters/${id}`, session.token)).body.cluster;
    expect((await sql(afterResize.endpoint, 'first-password-123', 'show max_connections')).rows).toEqual([{ max_connections: '200' }]);

    const slept = await client.api('POST', `/v1/clusters/${id}/sleep`, session.token);
    expect(slept.status).toBe(202);
    await live.operation(slept.body.operation.id, 'finished', 60_000);
    expect((await client.api('GET', `/v1/clusters/${id}`, session.token)).body.cluster).toMatchObject({ status: 'sleeping', endpoint: null });
    expect((cnpgCluster(id)?.metadata as JsonObject).annotations).toMatchObject({ 'cnpg.io/hibernation': 'on' });
    expect(await portOpen(afterResize.endpoint.port)).toBe(false);

    const woke = await client.api('POST', `/v1/clusters/${id}/wake`, session.token);
    await live.operation(woke.body.operation.id, 'finished', 60_000);
    const awake = (await client.api('GET', `/v1/clusters/${id}`, session.token)).body.cluster;
    expect(awake.status).toBe('running');
    expect((cnpgCluster(id)?.metadata as JsonObject).annotations).toMatchObject({ 'cnpg.io/hibernation': 'off' });
    expect((await sql(awake.endpoint, 'first-password-123', 'select body from notes')).rows).toEqual([{ body: 'kept across sleep' }]);

    // Rotation rewrites the Secret only; the operation finishes once the instances hold the new password.
    const clusterGeneration = (cnpgCluster(id)?.metadata as JsonObject).generation;
    const rotated = await client.api('POST', `/v1/clusters/${id}/password/rotate`, session.token, { password: 'second-password-456' });
    await live.operation(rotated.body.operation.id, 'finished', 60_000);
    expect((cnpgCluster(id)?.metadata as JsonObject).generation).toBe(clusterGeneration);
    await expect(sql(awake.endpoint, 'first-password-123', 'select 1')).rejects.toThrow(/password authentication failed/);
    expect((await sql(awake.endpoint, 'second-password-456', 'select count(*)::int as n from notes')).rows).toEqual([{ n: 1 }]);

    const deleted = await client.api('DELETE', `/v1/clusters/${id}`, session.token);
    await live.operation(deleted.body.operation.id, 'finished', 60_000);
    expect((await client.api('GET', `/v1/clusters/${id}`, session.token)).body.cluster.status).toBe('deleted');
    // The namespace went and took everything along; the server behind it is gone with its data.
    expect(inNamespace(id)).toEqual([]);
    await expect.poll(() => portOpen(awake.endpoint.port), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => existsSync(join(dataDir, 'instances', 'clusters', `${namespaceFor(id)}--postgres`)), { timeout: 10_000 }).toBe(false);

    const types = await client.eventTypes(session, id);
    for (const once of ['created', 'updated', 'stopped', 'started', 'password_rotated', 'deleted']) {
      expect(types.filter((t) => t === once), once).toHaveLength(1);
    }
    // The password went into the Secret and nowhere else.
    expect(logs.join('\n')).not.toContain('second-password-456');
    live.close();
  }, 180_000);

  it('converges after the agent is killed in the middle of a create', async () => {
    const created = await client.api('POST', '/v1/clusters', session.token, { name: 'k8s-killed', region_id: regionId, password: 'killed-password-1' });
    expect(created.status).toBe(202);
    const id = created.body.cluster.id;
    await expect.poll(() => cnpgCluster(id) !== undefined, { timeout: 30_000 }).toBe(true);
    await stopAgent('SIGKILL');
    await startAgent(null);
    const cluster = await client.until(session, id, 'running', 90_000);
    expect((await sql(cluster.endpoint, 'killed-password-1', 'select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    expect((await client.api('GET', `/v1/operations/${created.body.operation.id}`, session.token)).body.operation.status).toBe('finished');
    // Never twice. Events are sent once and not kept by the agent, so a kill between the apply and the send loses
    // the `created` event: the cluster is there, the operation finished, the event log misses that line.
    expect((await client.eventTypes(session, id)).filter((t) => t === 'created').length).toBeLessThanOrEqual(1);
    await client.api('DELETE', `/v1/clusters/${id}`, session.token);
    await client.until(session, id, 'deleted', 60_000);
    expect(inNamespace(id)).toEqual([]);
  }, 180_000);

  it("fails the operation with the operator's message when CloudNativePG gives up", async () => {
    const created = await client.api('POST', '/v1/clusters', session.token, { name: 'k8s-failing', region_id: regionId, password: 'failing-password-1' });
    const id = created.body.cluster.id;
    await expect.poll(() => cnpgCluster(id) !== undefined, { timeout: 30_000 }).toBe(true);
    kube.operator?.failCluster(namespaceFor(id), 'postgres', 'initdb job failed: no space left on device');
    const failed = await client.until(session, id, 'failed', 60_000);
    expect(failed).toBeTruthy();
    const op = (await client.api('GET', `/v1/operations/${created.body.operation.id}`, session.token)).body.operation;
    expect(op.status).toBe('failed');
    expect(JSON.stringify(op)).toContain('initdb job failed: no space left on device');
    await client.api('DELETE', `/v1/clusters/${id}`, session.token);
    await client.until(session, id, 'deleted', 60_000);
  }, 180_000);
});
