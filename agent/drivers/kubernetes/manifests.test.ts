// The manifests the kubernetes driver applies, checked against what the API server would check: the real
// CloudNativePG CRD's schema for the Cluster, and the Kubernetes core schemas (kubernetes-models) for the rest.
// The backup objects (ObjectStore, ScheduledBackup, Backup, recovery) have their own file: backup-manifests.test.ts.
import { Namespace, Secret } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { describe, expect, test } from 'vitest';
import { desiredStateSchema, type ClusterSpec } from '../../../protocol/agent.ts';
import { clusterSizes, SIZE_TABLE } from '../../../protocol/sizes.ts';
import { clusterSpec } from '../../testing/fixtures.ts';
import { crdValidator } from '../../testing/k8s-schemas.ts';
import {
  APP_SECRET_NAME,
  CNPG_CLUSTER_NAME,
  dnsLabelFor,
  GENERATION_ANNOTATION,
  HIBERNATION_ANNOTATION,
  isDnsLabel,
  LABELS,
  namespaceFor,
  POSTGRES_IMAGE_TAGS,
  renderClusterManifests,
  type Manifest,
} from './manifests.ts';

const PASSWORD = 'pw-Very$ecret-123';
const CLUSTER_ID = 'cl_01jd3k5x8r2m9q7v4w6y0z1a2b';
const majors = ['15', '16', '17', '18'];
const runningStates = desiredStateSchema.options.filter((state) => state !== 'deleted');

const errorsOf = crdValidator('Cluster');

function render(overrides: Partial<ClusterSpec> = {}, generation = 7, options = {}): Manifest[] {
  return renderClusterManifests(CLUSTER_ID, generation, clusterSpec(overrides), PASSWORD, options);
}

function byKind(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.find((manifest) => manifest.kind === kind);
  if (!found) throw new Error(`no ${kind} rendered`);
  return found;
}

type ClusterBody = {
  instances: number;
  imageName: string;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  storage: { size: string; storageClass?: string };
  bootstrap: { initdb: { database: string; owner: string; secret: { name: string } } };
  enableSuperuserAccess: boolean;
  postgresql: { parameters: Record<string, string> };
  managed: { services: { additional: Array<{ selectorType: string; serviceTemplate: { metadata: { name: string }; spec: { type: string } } }> } };
};
const clusterBody = (manifests: Manifest[]) => byKind(manifests, 'Cluster').spec as ClusterBody;

describe('the CNPG Cluster against the real CRD schema', () => {
  const combinations = clusterSizes.flatMap((size) => majors.flatMap((version) => runningStates.map((state) => ({ size, version, state }))));

  test.each(combinations)('$size, PostgreSQL $version, $state', ({ size, version, state }) => {
    const manifests = render({ size, version, state, instances: 3, storage_gb: 50 }, 1, { storageClass: 'fast-ssd' });
    expect(errorsOf(byKind(manifests, 'Cluster'))).toBe('');
  });

  test('the validator bites: wrong types, unknown enum values, misspelt and missing fields fail', () => {
    const good = byKind(render(), 'Cluster');
    expect(errorsOf(good)).toBe('');
    const broken = (mutate: (spec: Record<string, unknown>) => void) => {
      const copy = structuredClone(good);
      mutate(copy.spec as Record<string, unknown>);
      return copy;
    };
    const cases = [
      broken((spec) => (spec.instances = 'three')),
      broken((spec) => (spec.instances = 0)),
      broken((spec) => ((spec.managed as ClusterBody['managed']).services.additional[0]!.selectorType = 'primary')),
      broken((spec) => (spec.enableSuperuserAccess = 'no')),
      broken((spec) => ((spec.resources as ClusterBody['resources']).limits.memory = 'lots')),
      broken((spec) => ((spec.postgresql as ClusterBody['postgresql']).parameters.max_connections = 100 as unknown as string)),
      broken((spec) => (spec.storageSize = '10Gi')),
      broken((spec) => delete spec.instances),
    ];
    for (const manifest of cases) expect(errorsOf(manifest)).not.toBe('');
  });
});

describe('core objects against the Kubernetes schemas', () => {
  test.each(runningStates)('Namespace, Secret and NetworkPolicy validate (%s)', (state) => {
    const manifests = render({ state });
    expect(() => new Namespace(byKind(manifests, 'Namespace') as never).validate()).not.toThrow();
    expect(() => new Secret(byKind(manifests, 'Secret') as never).validate()).not.toThrow();
    expect(() => new NetworkPolicy(byKind(manifests, 'NetworkPolicy') as never).validate()).not.toThrow();
  });

  test('the core validators bite too', () => {
    const manifests = render();
    const policy = structuredClone(byKind(manifests, 'NetworkPolicy')) as unknown as { spec: { podSelector: unknown } };
    policy.spec.podSelector = 'cnpg.io/cluster=postgres';
    expect(() => new NetworkPolicy(policy as never).validate()).toThrow();
    const secret = structuredClone(byKind(manifests, 'Secret')) as unknown as { stringData: unknown };
    secret.stringData = { password: 12345 };
    expect(() => new Secret(secret as never).validate()).toThrow();
  });
});

describe('content', () => {
  test('one Namespace, Secret, Cluster and NetworkPolicy, all but the Namespace inside it', () => {
    const manifests = render();
    expect(manifests.map((manifest) => manifest.kind)).toEqual(['Namespace', 'Secret', 'Cluster', 'NetworkPolicy']);
    const namespace = byKind(manifests, 'Namespace').metadata.name;
    expect(namespace).toBe('orochi-cl-01jd3k5x8r2m9q7v4w6y0z1a2b');
    for (const manifest of manifests.slice(1)) expect(manifest.metadata.namespace).toBe(namespace);
  });

  test.each(clusterSizes)('%s: requests equal limits and come from the size table, with its parameters', (size) => {
    const body = clusterBody(render({ size }));
    const { vcpu, memory_gb, max_connections } = SIZE_TABLE[size];
    expect(body.resources.requests).toEqual(body.resources.limits);
    expect(body.resources.limits.memory).toBe(`${memory_gb}Gi`);
    expect(body.resources.limits.cpu).toBe(Number.isInteger(vcpu) ? String(vcpu) : `${vcpu * 1000}m`);
    expect(body.postgresql.parameters).toEqual({
      max_connections: String(max_connections),
      shared_buffers: `${memory_gb * 256}MB`,
      effective_cache_size: `${memory_gb * 768}MB`,
      // Query insights: CNPG preloads pg_stat_statements and creates the extension when its parameters are set.
      'pg_stat_statements.max': '5000',
      'pg_stat_statements.track': 'top',
    });
  });

  test('dev is a quarter core', () => {
    expect(clusterBody(render({ size: 'dev' })).resources.requests).toEqual({ cpu: '250m', memory: '1Gi' });
  });

  test.each(majors)('PostgreSQL %s gets its own image at an exact minor, from another repository when asked', (version) => {
    const tag = POSTGRES_IMAGE_TAGS[Number(version)]!;
    expect(tag).toMatch(new RegExp(`^${version}\\.\\d+$`));
    expect(clusterBody(render({ version })).imageName).toBe(`ghcr.io/cloudnative-pg/postgresql:${tag}`);
    expect(clusterBody(render({ version: `${version}.3` })).imageName).toBe(`ghcr.io/cloudnative-pg/postgresql:${tag}`);
    expect(clusterBody(render({ version }, 1, { imageRepository: 'registry.example/pg' })).imageName).toBe(`registry.example/pg:${tag}`);
  });

  test('versions without an image, and nats, are refused', () => {
    expect(() => render({ version: '14' })).toThrow(/not supported/);
    expect(() => render({ version: 'latest' })).toThrow(/not supported/);
    expect(() => render({ engine: 'nats' })).toThrow(/postgres/);
  });

  test('hibernation follows the desired state', () => {
    expect(byKind(render({ state: 'sleeping' }), 'Cluster').metadata.annotations[HIBERNATION_ANNOTATION]).toBe('on');
    expect(byKind(render({ state: 'running' }), 'Cluster').metadata.annotations[HIBERNATION_ANNOTATION]).toBe('off');
  });

  test('a deleted cluster has nothing to apply', () => {
    expect(render({ state: 'deleted' })).toEqual([]);
  });

  test('instances, storage, bootstrap, superuser and the load balancer', () => {
    const body = clusterBody(render({ instances: 3, storage_gb: 250, database: 'shop', username: 'shopper' }, 1, { storageClass: 'gp3' }));
    expect(body.instances).toBe(3);
    expect(body.storage).toEqual({ size: '250Gi', storageClass: 'gp3' });
    expect(clusterBody(render()).storage).toEqual({ size: '10Gi' });
    expect(body.bootstrap.initdb).toEqual({ database: 'shop', owner: 'shopper', secret: { name: APP_SECRET_NAME } });
    expect(body.enableSuperuserAccess).toBe(false);
    expect(body.managed.services.additional).toEqual([
      expect.objectContaining({ selectorType: 'rw', serviceTemplate: expect.objectContaining({ metadata: expect.objectContaining({ name: `${CNPG_CLUSTER_NAME}-lb` }), spec: { type: 'LoadBalancer' } }) }),
    ]);
  });

  test('the Secret is basic-auth for the application role', () => {
    const secret = byKind(render({ username: 'shopper' }), 'Secret');
    expect(secret.type).toBe('kubernetes.io/basic-auth');
    expect(secret.stringData).toEqual({ username: 'shopper', password: PASSWORD });
    expect(secret.metadata.name).toBe(APP_SECRET_NAME);
  });

  test('the password is in the Secret and nowhere else', () => {
    for (const state of runningStates) {
      const manifests = render({ state });
      for (const manifest of manifests) {
        if (manifest.kind === 'Secret') expect(JSON.stringify(manifest)).toContain(PASSWORD);
        else expect(JSON.stringify(manifest)).not.toContain(PASSWORD);
      }
    }
  });

  test('the NetworkPolicy lets anyone reach 5432 on the cluster pods, and only the operator reach 8000', () => {
    const policy = byKind(render(), 'NetworkPolicy').spec as {
      podSelector: unknown;
      policyTypes: string[];
      ingress: Array<{ from?: unknown[]; ports: Array<{ protocol: string; port: number }> }>;
    };
    // Every pod of the cluster inherits its id label, whichever CNPG Cluster (a restore makes a new one) runs it.
    expect(policy.podSelector).toEqual({ matchLabels: { [LABELS.clusterId]: CLUSTER_ID } });
    expect(policy.policyTypes).toEqual(['Ingress']);
    const open = policy.ingress.filter((rule) => rule.from === undefined);
    expect(open).toEqual([{ ports: [{ protocol: 'TCP', port: 5432 }] }]);
    const restricted = policy.ingress.filter((rule) => rule.from !== undefined);
    expect(restricted).toHaveLength(1);
    expect(restricted[0]!.ports).toEqual([{ protocol: 'TCP', port: 8000 }]);
    expect(JSON.stringify(restricted[0]!.from)).toContain('cnpg-system');
  });

  test("the exporter's port opens to the API server's ranges only when given, and the policy still validates", () => {
    type Policy = { ingress: Array<{ from?: unknown[]; ports: Array<{ port: number }> }> };
    const closed = byKind(render(), 'NetworkPolicy').spec as Policy;
    expect(closed.ingress.some((rule) => rule.ports.some((p) => p.port === 9187))).toBe(false);
    const manifests = renderClusterManifests(CLUSTER_ID, 1, clusterSpec(), PASSWORD, { metricsFrom: ['10.96.0.1/32', 'fd00::/64'] });
    const policy = byKind(manifests, 'NetworkPolicy');
    expect(() => new NetworkPolicy(policy as never).validate()).not.toThrow();
    const metrics = (policy.spec as Policy).ingress.filter((rule) => rule.ports.some((p) => p.port === 9187));
    expect(metrics).toEqual([{ from: [{ ipBlock: { cidr: '10.96.0.1/32' } }, { ipBlock: { cidr: 'fd00::/64' } }], ports: [{ protocol: 'TCP', port: 9187 }] }]);
  });

  test('every object carries the cluster id, org id, manager and generation', () => {
    const manifests = render({ org_id: 'org_42' }, 12);
    for (const manifest of manifests) {
      expect(manifest.metadata.labels).toMatchObject({ [LABELS.clusterId]: CLUSTER_ID, [LABELS.orgId]: 'org_42', [LABELS.managedBy]: 'orochi-agent' });
      expect(manifest.metadata.annotations[GENERATION_ANNOTATION]).toBe('12');
    }
  });

  test('names are DNS-1123 labels, whatever the cluster id or name', () => {
    const ids = [CLUSTER_ID, 'CL_UPPER_Case', 'weird id/with:chars', 'x'.repeat(200), '__leading', 'cl-already-dashed'];
    for (const id of ids) {
      const manifests = renderClusterManifests(id, 1, clusterSpec({ name: 'My Shiny DB!' }), PASSWORD, {});
      for (const manifest of manifests) {
        expect(isDnsLabel(manifest.metadata.name), manifest.metadata.name).toBe(true);
        expect(() => new Namespace(byKind(manifests, 'Namespace') as never).validate()).not.toThrow();
      }
      const lb = clusterBody(manifests).managed.services.additional[0]!.serviceTemplate.metadata.name;
      expect(isDnsLabel(lb)).toBe(true);
    }
  });

  test('namespaces: readable for control-plane ids, distinct for ids that would clash, and prefixable', () => {
    expect(namespaceFor('cl_abc')).toBe('orochi-cl-abc');
    expect(namespaceFor('cl-abc')).not.toBe(namespaceFor('cl_abc'));
    expect(namespaceFor('CL_ABC')).not.toBe(namespaceFor('cl_abc'));
    expect(namespaceFor('x'.repeat(100))).not.toBe(namespaceFor(`${'x'.repeat(99)}y`));
    expect(namespaceFor('x'.repeat(100)).length).toBeLessThanOrEqual(63);
    expect(namespaceFor('cl_abc', 'tenant-')).toBe('tenant-cl-abc');
    expect(dnsLabelFor('', 'cl_abc')).toBe('cl-abc');
  });

  test('the same input renders the same objects', () => {
    expect(render()).toEqual(render());
  });
});
