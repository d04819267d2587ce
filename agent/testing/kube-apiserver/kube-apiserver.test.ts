// The Kubernetes API server stand-in, driven by @kubernetes/client-node itself.
import { ApiException, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, type KubernetesObject } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeApiServerStandIn, type JsonObject, type KubeApiServerStandIn } from './index.ts';

const AGENT = 'orochi-agent';

let server: KubeApiServerStandIn;
let kc: KubeConfig;
let client: KubernetesObjectApi;

async function start(options: Parameters<typeof startKubeApiServerStandIn>[0]): Promise<void> {
  server = await startKubeApiServerStandIn(options);
  kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  client = KubernetesObjectApi.makeApiClient(kc);
}

// The simulated operator writes cluster status on its own; only its own tests run it.
beforeEach(() => start({ operator: false }));

afterEach(async () => {
  await server.stop();
});

type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown>; data?: Record<string, string> };

const apply = (obj: object, options: { manager?: string; force?: boolean } = {}) =>
  client.patch(obj as KubernetesObject, undefined, undefined, options.manager ?? AGENT, options.force ?? false, PatchStrategy.ServerSideApply) as Promise<Obj>;

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

const cnpgCluster = (ns: string, name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) => ({
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name, namespace: ns, labels: { 'orochi.cloud/cluster': name }, ...(annotations ? { annotations } : {}) },
  spec: { instances: 2, storage: { size: '1Gi' }, ...spec },
});

async function rejection(promise: Promise<unknown>): Promise<{ code: number; body: JsonObject }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) {
      const body = (typeof error.body === 'string' ? JSON.parse(error.body) : error.body) as JsonObject;
      return { code: error.code, body };
    }
    throw error;
  }
  throw new Error('expected the request to fail');
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function raw(path: string, init: RequestInit = {}): Promise<{ status: number; body: JsonObject }> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${server.token}`, ...(init.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as JsonObject };
}

interface Collected {
  events: Array<{ type: string; object: Obj }>;
  done: Promise<unknown>;
  controller: AbortController;
}

async function watch(path: string, query: Record<string, string> = {}): Promise<Collected> {
  const events: Collected['events'] = [];
  let finish: (err: unknown) => void = () => {};
  const done = new Promise((resolve) => (finish = resolve));
  const controller = await new Watch(kc).watch(path, query, (type, object) => events.push({ type, object: object as Obj }), (err) => finish(err ?? null));
  return { events, done, controller };
}

describe('kube-apiserver stand-in: server-side apply', () => {
  it('creates through apply, and a re-apply of the same object changes nothing', async () => {
    const ns = await apply(namespace('tenant-a'));
    expect(ns.metadata?.uid).toBeTruthy();
    expect(ns.metadata?.labels?.['kubernetes.io/metadata.name']).toBe('tenant-a');
    const created = await apply(cnpgCluster('tenant-a', 'pg-1'));
    expect(created.metadata?.generation).toBe(1);
    expect(created.metadata?.managedFields?.[0]).toMatchObject({ manager: AGENT, operation: 'Apply' });
    const again = await apply(cnpgCluster('tenant-a', 'pg-1'));
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(again.metadata?.generation).toBe(1);
    const scaled = await apply(cnpgCluster('tenant-a', 'pg-1', { instances: 3 }));
    expect(Number(scaled.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    expect(scaled.metadata?.generation).toBe(2);
    const read = (await client.read({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg-1', namespace: 'tenant-a' } })) as Obj;
    expect(read.spec?.instances).toBe(3);
  });

  it('removes fields the manager stops applying', async () => {
    await apply(namespace('tenant-a'));
    await apply(cnpgCluster('tenant-a', 'pg-1', { description: 'first' }));
    const second = await apply(cnpgCluster('tenant-a', 'pg-1'));
    expect(second.spec?.description).toBeUndefined();
  });

  it('requires a fieldManager, and rejects fields the schema does not declare', async () => {
    await apply(namespace('tenant-a'));
    const missing = await raw('/api/v1/namespaces/tenant-a/secrets/s', {
      method: 'PATCH',
      headers: { 'content-type': 'application/apply-patch+yaml' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }),
    });
    expect(missing.status).toBe(422);
    const unknown = await rejection(apply(cnpgCluster('tenant-a', 'pg-1', { instancez: 2 })));
    expect(unknown.code).toBe(400);
    expect(String(unknown.body.message)).toContain('.spec.instancez: field not declared in schema');
  });

  it('answers a conflicting apply from another manager with 409, and lets force take the field over', async () => {
    await apply(namespace('tenant-a'));
    await apply(cnpgCluster('tenant-a', 'pg-1'));
    const conflict = await rejection(apply(cnpgCluster('tenant-a', 'pg-1', { instances: 5 }), { manager: 'someone-else' }));
    expect(conflict.code).toBe(409);
    expect(conflict.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
    expect(String(conflict.body.message)).toContain('conflict with "orochi-agent"');
    const causes = (conflict.body.details as JsonObject).causes as JsonObject[];
    expect(causes.map((c) => c.field)).toEqual(['.spec.instances']);

    // Applying the same value shares ownership without conflict.
    await apply(cnpgCluster('tenant-a', 'pg-1'), { manager: 'someone-else' });
    const forced = await apply(cnpgCluster('tenant-a', 'pg-1', { instances: 5 }), { manager: 'someone-else', force: true });
    expect(forced.spec?.instances).toBe(5);
    // The agent lost spec.instances: its next apply conflicts with the new owner.
    const back = await rejection(apply(cnpgCluster('tenant-a', 'pg-1')));
    expect(back.code).toBe(409);
    expect(String(back.body.message)).toContain('conflict with "someone-else"');
  });

  it('honours resourceVersion in the applied body as a precondition', async () => {
    await apply(namespace('tenant-a'));
    const created = await apply(cnpgCluster('tenant-a', 'pg-1'));
    const stale = cnpgCluster('tenant-a', 'pg-1', { instances: 3 });
    const err = await rejection(apply({ ...stale, metadata: { ...stale.metadata, resourceVersion: '1' } }));
    expect(err.code).toBe(409);
    const ok = await apply({ ...stale, metadata: { ...stale.metadata, resourceVersion: created.metadata?.resourceVersion } });
    expect(ok.spec?.instances).toBe(3);
  });
});

describe('kube-apiserver stand-in: validation and errors', () => {
  it('rejects an invalid CNPG Cluster against the CRD schema with 422 Invalid', async () => {
    await apply(namespace('tenant-a'));
    const err = await rejection(apply(cnpgCluster('tenant-a', 'pg-1', { instances: 'two' })));
    expect(err.code).toBe(422);
    expect(err.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Invalid', code: 422 });
    expect(String(err.body.message)).toContain('Cluster.postgresql.cnpg.io "pg-1" is invalid: spec.instances: must be integer');
    const zero = await rejection(apply(cnpgCluster('tenant-a', 'pg-1', { instances: 0 })));
    expect(zero.code).toBe(422);
    expect(server.objects().some((o) => o.kind === 'Cluster')).toBe(false);
  });

  it('validates core objects and object metadata', async () => {
    const badName = await rejection(apply(namespace('tenant_a')));
    expect(badName.code).toBe(422);
    await apply(namespace('tenant-a'));
    const badPolicy = await rejection(
      apply({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'tenant-a' }, spec: { podSelector: {}, policyTypes: 'Ingress' } }),
    );
    expect(badPolicy.code).toBe(422);
    const badSecret = await rejection(apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'tenant-a' }, data: { password: 'not base64!' } }));
    expect(badSecret.code).toBe(400);
    const secret = await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'tenant-a' }, stringData: { password: 'hunter2' } });
    expect(secret.data?.password).toBe(Buffer.from('hunter2').toString('base64'));
  });

  it('answers a namespaced object in a missing namespace, an unknown path, and a missing object with 404 Status', async () => {
    const noNs = await rejection(apply(cnpgCluster('nowhere', 'pg-1')));
    expect(noNs.code).toBe(404);
    expect(noNs.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'namespaces "nowhere" not found' });
    const unknown = await raw('/apis/apps/v1/namespaces/default/deployments');
    expect(unknown.status).toBe(404);
    expect(unknown.body.kind).toBe('Status');
    const missing = await rejection(client.read({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'nope', namespace: 'default' } }));
    expect(missing.code).toBe(404);
    expect(missing.body.message).toBe('secrets "nope" not found');
    const unauthenticated = await fetch(`${server.url}/api/v1/namespaces`);
    expect(unauthenticated.status).toBe(401);
  });

  it('creates with POST (409 AlreadyExists the second time) and lists with label selectors', async () => {
    await client.create(namespace('tenant-a'));
    const again = await rejection(client.create(namespace('tenant-a')));
    expect(again.code).toBe(409);
    expect(again.body.reason).toBe('AlreadyExists');
    await apply(cnpgCluster('tenant-a', 'pg-1'));
    await apply(cnpgCluster('tenant-a', 'pg-2'));
    const selected = await client.list('postgresql.cnpg.io/v1', 'Cluster', 'tenant-a', undefined, undefined, undefined, undefined, 'orochi.cloud/cluster=pg-2');
    expect(selected.items.map((i) => i.metadata?.name)).toEqual(['pg-2']);
    const all = await raw('/apis/postgresql.cnpg.io/v1/clusters?labelSelector=orochi.cloud%2Fcluster!%3Dpg-2');
    expect((all.body.items as JsonObject[]).map((i) => (i.metadata as JsonObject).name)).toEqual(['pg-1']);
    expect(all.body.kind).toBe('ClusterList');
  });
});

describe('kube-apiserver stand-in: status subresource and deletion', () => {
  it('ignores .status on the main resource and changes only status through /status', async () => {
    await apply(namespace('tenant-a'));
    const created = await apply({ ...cnpgCluster('tenant-a', 'pg-1'), status: { phase: 'made up' } });
    expect(created.status).toBeUndefined();
    const patched = await raw('/apis/postgresql.cnpg.io/v1/namespaces/tenant-a/clusters/pg-1/status', {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { instances: 9 }, metadata: { labels: { sneaky: 'yes' } }, status: { phase: 'Testing', readyInstances: 1 } }),
    });
    expect(patched.status).toBe(200);
    expect(patched.body.status).toEqual({ phase: 'Testing', readyInstances: 1 });
    expect((patched.body.spec as JsonObject).instances).toBe(2);
    expect(((patched.body.metadata as JsonObject).labels as JsonObject).sneaky).toBeUndefined();
    expect((patched.body.metadata as JsonObject).generation).toBe(1);
    const badStatus = await raw('/apis/postgresql.cnpg.io/v1/namespaces/tenant-a/clusters/pg-1/status', {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: { readyInstances: 'one' } }),
    });
    expect(badStatus.status).toBe(422);
    // The agent's next apply leaves status alone.
    const reapplied = await apply({ ...cnpgCluster('tenant-a', 'pg-1'), status: { phase: 'other' } });
    expect(reapplied.status).toEqual({ phase: 'Testing', readyInstances: 1 });
  });

  it('deletes a namespace together with everything in it', async () => {
    await apply(namespace('tenant-a'));
    await apply(namespace('tenant-b'));
    await apply(cnpgCluster('tenant-a', 'pg-1'));
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'tenant-a' }, stringData: { a: 'b' } });
    await apply({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'tenant-a' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'tenant-b' }, stringData: { a: 'b' } });
    await client.delete(namespace('tenant-a'));
    const left = server.objects().map((o) => `${o.kind}/${String((o.metadata as JsonObject).namespace ?? '')}/${String((o.metadata as JsonObject).name)}`);
    expect(left.filter((o) => o.includes('tenant-a'))).toEqual([]);
    expect(left).toContain('Secret/tenant-b/s');
    expect((await rejection(client.delete(namespace('tenant-a')))).code).toBe(404);
  });
});

describe('kube-apiserver stand-in: watches', () => {
  it('streams ADDED, MODIFIED and DELETED from a list resourceVersion', async () => {
    await apply(namespace('tenant-a'));
    const list = await client.list('postgresql.cnpg.io/v1', 'Cluster', 'tenant-a');
    const w = await watch('/apis/postgresql.cnpg.io/v1/namespaces/tenant-a/clusters', { resourceVersion: String(list.metadata?.resourceVersion) });
    await until('watch open', async () => (server.openWatches() === 1 ? true : undefined));
    await apply(cnpgCluster('tenant-a', 'pg-1'));
    await apply(cnpgCluster('tenant-a', 'pg-1', { instances: 3 }));
    await client.delete(cnpgCluster('tenant-a', 'pg-1'));
    await until('three events', async () => (w.events.length >= 3 ? true : undefined));
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(w.events[1]?.object.spec?.instances).toBe(3);
    w.controller.abort();
  });

  it('starts a watch without resourceVersion with the current objects', async () => {
    await apply(namespace('tenant-a'));
    const w = await watch('/api/v1/namespaces', { labelSelector: 'kubernetes.io/metadata.name=tenant-a' });
    await until('ADDED', async () => (w.events.length === 1 ? true : undefined));
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'tenant-a' } } });
    w.controller.abort();
  });

  it('answers a watch from a compacted resourceVersion with one 410 Expired ERROR, and a re-list recovers', async () => {
    await apply(namespace('tenant-a'));
    const list = await client.list('v1', 'Secret', 'tenant-a');
    const oldRv = String(list.metadata?.resourceVersion);
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'tenant-a' }, stringData: { a: 'b' } });
    server.compact();
    const w = await watch('/api/v1/namespaces/tenant-a/secrets', { resourceVersion: oldRv });
    const err = await w.done;
    expect(err).toBeNull();
    expect(w.events).toHaveLength(1);
    expect(w.events[0]?.type).toBe('ERROR');
    expect(w.events[0]?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    const relist = await client.list('v1', 'Secret', 'tenant-a');
    expect(relist.items.map((i) => i.metadata?.name)).toEqual(['s']);
    const resumed = await watch('/api/v1/namespaces/tenant-a/secrets', { resourceVersion: String(relist.metadata?.resourceVersion) });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'tenant-a' }, stringData: { a: 'c' } });
    await until('MODIFIED', async () => (resumed.events.length === 1 ? true : undefined));
    expect(resumed.events[0]?.type).toBe('MODIFIED');
    resumed.controller.abort();
  });

  it('expires resourceVersions that fell out of the retained history', async () => {
    await server.stop();
    await start({ historyLimit: 3, operator: false });
    await apply(namespace('tenant-a'));
    const rv = String((await client.list('v1', 'Secret', 'tenant-a')).metadata?.resourceVersion);
    for (const v of ['1', '2', '3', '4']) await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'tenant-a' }, stringData: { v } });
    const w = await watch('/api/v1/namespaces/tenant-a/secrets', { resourceVersion: rv });
    await w.done;
    expect(w.events.map((e) => [e.type, (e.object as unknown as JsonObject).code])).toEqual([['ERROR', 410]]);
  });

  it('drops and stalls open watches on request', async () => {
    await apply(namespace('tenant-a'));
    const dropped = await watch('/api/v1/namespaces/tenant-a/secrets');
    await until('watch open', async () => (server.openWatches() === 1 ? true : undefined));
    server.dropWatches();
    expect(await dropped.done).toBeNull();
    expect(server.openWatches()).toBe(0);

    const stalled = await watch('/api/v1/namespaces/tenant-a/secrets');
    await until('watch open', async () => (server.openWatches() === 1 ? true : undefined));
    server.stallWatches();
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'tenant-a' }, stringData: { a: 'b' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(stalled.events).toEqual([]);
    expect(server.openWatches()).toBe(1);
    stalled.controller.abort();
  });
});

describe('kube-apiserver stand-in: simulated CloudNativePG operator', () => {
  beforeEach(async () => {
    await server.stop();
    await start({ operator: { stepDelayMs: 5 } });
  });

  const withLoadBalancer = (ns: string, name: string, instances: number, annotations?: Record<string, string>) =>
    cnpgCluster(
      ns,
      name,
      {
        instances,
        managed: { services: { additional: [{ selectorType: 'rw', serviceTemplate: { metadata: { name: `${name}-lb` }, spec: { type: 'LoadBalancer' } } }] } },
      },
      annotations,
    );

  const readCluster = (ns: string, name: string) => client.read({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name, namespace: ns } }) as Promise<Obj>;

  it('walks a cluster to healthy with all instances ready and a LoadBalancer with an ingress IP', async () => {
    await apply(namespace('tenant-a'));
    const w = await watch('/apis/postgresql.cnpg.io/v1/namespaces/tenant-a/clusters');
    await apply(withLoadBalancer('tenant-a', 'pg-1', 3));
    const healthy = await until('healthy', async () => {
      const c = await readCluster('tenant-a', 'pg-1');
      return c.status?.phase === 'Cluster in healthy state' ? c : undefined;
    });
    expect(healthy.status?.readyInstances).toBe(3);
    expect(healthy.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    const phases = w.events.map((e) => e.object.status?.phase).filter((p, i, a) => p !== undefined && p !== a[i - 1]);
    expect(phases).toEqual(['Setting up primary', 'Creating a new replica', 'Cluster in healthy state']);
    const ready = w.events.map((e) => e.object.status?.readyInstances).filter((r) => r !== undefined);
    expect([...new Set(ready)]).toEqual([0, 1, 2, 3]);
    w.controller.abort();
    const lb = (await client.read({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'pg-1-lb', namespace: 'tenant-a' } })) as Obj;
    expect(lb.spec?.type).toBe('LoadBalancer');
    expect(lb.status).toEqual({ loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } });
    // Deleting the cluster garbage-collects the services it owns.
    await client.delete(cnpgCluster('tenant-a', 'pg-1'));
    expect(server.objects().filter((o) => o.kind === 'Service')).toEqual([]);
  });

  it('hibernates on the annotation and comes back when it is turned off', async () => {
    await apply(namespace('tenant-a'));
    await apply(withLoadBalancer('tenant-a', 'pg-1', 2));
    await until('healthy', async () => ((await readCluster('tenant-a', 'pg-1')).status?.phase === 'Cluster in healthy state' ? true : undefined));
    await apply(withLoadBalancer('tenant-a', 'pg-1', 2, { 'cnpg.io/hibernation': 'on' }));
    const hibernated = await until('hibernated', async () => {
      const c = await readCluster('tenant-a', 'pg-1');
      const conditions = (c.status?.conditions ?? []) as JsonObject[];
      return conditions.some((x) => x.type === 'cnpg.io/hibernation' && x.status === 'True' && x.reason === 'Hibernated') ? c : undefined;
    });
    expect(hibernated.status?.readyInstances).toBe(0);
    await apply(withLoadBalancer('tenant-a', 'pg-1', 2, { 'cnpg.io/hibernation': 'off' }));
    const awake = await until('awake', async () => {
      const c = await readCluster('tenant-a', 'pg-1');
      return c.status?.phase === 'Cluster in healthy state' && c.status?.readyInstances === 2 ? c : undefined;
    });
    expect(((awake.status?.conditions ?? []) as JsonObject[]).map((c) => c.type)).toEqual(['Ready']);
  });

  it('fails a cluster on request and recovers it', async () => {
    await apply(namespace('tenant-a'));
    await apply(cnpgCluster('tenant-a', 'pg-1', { instances: 1 }));
    server.operator?.failCluster('tenant-a', 'pg-1', 'primary pod is crash-looping');
    const failed = await until('failed', async () => {
      const c = await readCluster('tenant-a', 'pg-1');
      return c.status?.phaseReason === 'primary pod is crash-looping' ? c : undefined;
    });
    expect(failed.status?.phase).toBe('Cluster is unrecoverable and needs manual intervention');
    expect(failed.status?.readyInstances).toBe(0);
    // A spec change does not unstick it; recover() does.
    await apply(cnpgCluster('tenant-a', 'pg-1', { instances: 2 }));
    await new Promise((r) => setTimeout(r, 60));
    expect((await readCluster('tenant-a', 'pg-1')).status?.phase).toBe('Cluster is unrecoverable and needs manual intervention');
    server.operator?.recover('tenant-a', 'pg-1');
    await until('healthy', async () => ((await readCluster('tenant-a', 'pg-1')).status?.readyInstances === 2 ? true : undefined));
  });

  const list = async (kind: string, ns: string) => (await client.list('postgresql.cnpg.io/v1', kind, ns)).items as Obj[];

  it('fires a ScheduledBackup at once when immediate, again when asked, never while one runs or while suspended, and owns its Backups', async () => {
    await server.stop();
    // Backups that take a while, so one is still under way when the next is asked for.
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const instances = {
      run: async () => 5432,
      hibernate: async () => {},
      remove: async () => {},
      backup: async () => {
        await slow;
        return { beginLsn: '0/2000028', endLsn: '0/2000138', beginTime: '2026-03-01T03:00:01.250Z', endTime: '2026-03-01T03:00:05.750Z' };
      },
    };
    await start({ operator: { stepDelayMs: 5, instances } });
    await apply(namespace('tenant-a'));
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app', namespace: 'tenant-a' }, stringData: { username: 'app', password: 'pw' } });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's3', namespace: 'tenant-a' }, stringData: { ID: 'key', SECRET: 'secret' } });
    await apply({
      apiVersion: 'barmancloud.cnpg.io/v1',
      kind: 'ObjectStore',
      metadata: { name: 'backups', namespace: 'tenant-a' },
      spec: { configuration: { destinationPath: 's3://bucket/clusters/', endpointURL: 'http://127.0.0.1:9', s3Credentials: { accessKeyId: { name: 's3', key: 'ID' }, secretAccessKey: { name: 's3', key: 'SECRET' } } } },
    });
    await apply(
      cnpgCluster('tenant-a', 'pg-1', {
        instances: 1,
        bootstrap: { initdb: { database: 'app', owner: 'app', secret: { name: 'app' } } },
        plugins: [{ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'backups', serverName: 'pg-1-history' } }],
      }),
    );
    const scheduled = await apply({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'ScheduledBackup',
      metadata: { name: 'nightly', namespace: 'tenant-a' },
      spec: { cluster: { name: 'pg-1' }, schedule: '0 0 3 * * *', immediate: true, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' }, backupOwnerReference: 'self' },
    });

    const [immediate] = await until('the immediate Backup', async () => {
      const made = await list('Backup', 'tenant-a');
      return made.length > 0 ? made : undefined;
    });
    expect(immediate!.metadata?.name).toMatch(/^nightly-\d{14}$/);
    expect(immediate!.metadata?.labels).toEqual({ 'cnpg.io/cluster': 'pg-1', 'cnpg.io/immediateBackup': 'true', 'cnpg.io/scheduled-backup': 'nightly' });
    expect(immediate!.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'ScheduledBackup', name: 'nightly', uid: scheduled.metadata?.uid, controller: true })]);
    expect(immediate!.spec).toEqual({ cluster: { name: 'pg-1' }, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' } });
    const status = await until('the schedule status', async () => {
      const read = (await client.read({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', metadata: { name: 'nightly', namespace: 'tenant-a' } })) as Obj;
      return read.status?.nextScheduleTime ? read.status : undefined;
    });
    expect(status.nextScheduleTime).toMatch(/T03:00:00Z$/);
    expect(status.lastScheduleTime).toEqual(expect.any(String));

    // One under way: the schedule waits for it.
    expect(server.operator?.runScheduledBackup('tenant-a', 'nightly')).toBeNull();
    release();
    await until('the first Backup completed', async () => ((await list('Backup', 'tenant-a'))[0]?.status?.phase === 'completed' ? true : undefined));
    // The plugin's recovery window of the serverName, to the second.
    const objectStore = (await client.read({ apiVersion: 'barmancloud.cnpg.io/v1', kind: 'ObjectStore', metadata: { name: 'backups', namespace: 'tenant-a' } })) as Obj;
    expect(objectStore.status).toEqual({ serverRecoveryWindow: { 'pg-1-history': { firstRecoverabilityPoint: '2026-03-01T03:00:05Z', lastSuccessfulBackupTime: '2026-03-01T03:00:05Z' } } });

    await new Promise((r) => setTimeout(r, 1000));
    const second = server.operator?.runScheduledBackup('tenant-a', 'nightly');
    expect(second).toMatch(/^nightly-\d{14}$/);
    expect((await list('Backup', 'tenant-a')).find((b) => b.metadata?.name === second)?.metadata?.labels?.['cnpg.io/immediateBackup']).toBe('false');
    await until('the second Backup completed', async () => ((await list('Backup', 'tenant-a')).every((b) => b.status?.phase === 'completed') ? true : undefined));

    await apply({ ...scheduled, metadata: { name: 'nightly', namespace: 'tenant-a' }, spec: { ...scheduled.spec, suspend: true } });
    await new Promise((r) => setTimeout(r, 20));
    expect(server.operator?.runScheduledBackup('tenant-a', 'nightly')).toBeNull();
    // Owned by the schedule: they go with it.
    await client.delete({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', metadata: { name: 'nightly', namespace: 'tenant-a' } });
    expect(await list('Backup', 'tenant-a')).toEqual([]);
  });
});
