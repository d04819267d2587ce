// What the `kubernetes` driver applies for one cluster, as plain objects (apiVersion/kind/metadata/spec) ready for
// server-side apply: a namespace of its own, a basic-auth Secret for the application role, a CloudNativePG
// `Cluster` and a NetworkPolicy. Rendering is pure (same input, same objects) so that applying the same command
// twice changes nothing, and so `agent render` can show exactly what would be applied without a Kubernetes API.
//
// The password appears in the Secret only: the Cluster points at the Secret by name, so a rotation changes one
// object and nothing else ever carries the password into logs, events or `kubectl get -o yaml` of the Cluster.
import { createHash } from 'node:crypto';
import { type ClusterSpec } from '../../../protocol/agent.ts';
import { SIZE_TABLE } from '../../../protocol/sizes.ts';

export interface RenderOptions {
  /** The StorageClass of the data volumes; the Kubernetes cluster's default when absent. */
  storageClass?: string;
  /** Namespaces are `<prefix><cluster id>`; default `orochi-`. */
  namespacePrefix?: string;
  /** Where the PostgreSQL images come from (a mirror, say); default ghcr.io/cloudnative-pg/postgresql. */
  imageRepository?: string;
  /** Where the CloudNativePG operator runs; its pods must reach the instances' status port. Default cnpg-system. */
  operatorNamespace?: string;
}

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string>; annotations: Record<string, string> };
  [field: string]: unknown;
};

export const DEFAULT_NAMESPACE_PREFIX = 'orochi-';
export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/cloudnative-pg/postgresql';
export const DEFAULT_OPERATOR_NAMESPACE = 'cnpg-system';

/**
 * The CloudNativePG Cluster's name. Each cluster has a namespace of its own, so a fixed name is unique, stays the
 * same when the user renames the cluster (a CNPG Cluster cannot be renamed), and keeps the names CNPG derives from
 * it (pods, PVCs, the -rw/-ro/-r services) short and valid whatever the user called the cluster.
 */
export const CNPG_CLUSTER_NAME = 'postgres';
export const APP_SECRET_NAME = 'postgres-app-credentials';
export const LOAD_BALANCER_NAME = `${CNPG_CLUSTER_NAME}-lb`;
export const NETWORK_POLICY_NAME = 'postgres-ingress';
export const POSTGRES_PORT = 5432;
/** The instance manager's status port, which the operator polls; without it the operator cannot run the cluster. */
export const INSTANCE_MANAGER_PORT = 8000;

/** The image tag per supported major version; CNPG publishes a moving tag per major with the newest minor. */
export const POSTGRES_IMAGE_TAGS: Readonly<Record<number, string>> = { 15: '15', 16: '16', 17: '17', 18: '18' };

export const LABELS = {
  orgId: 'orochi.cloud/org-id',
  clusterId: 'orochi.cloud/cluster-id',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;
export const MANAGED_BY = 'orochi-agent';
export const GENERATION_ANNOTATION = 'orochi.cloud/generation';
export const CLUSTER_ID_ANNOTATION = 'orochi.cloud/cluster-id';
export const HIBERNATION_ANNOTATION = 'cnpg.io/hibernation';

const DNS_LABEL_MAX = 63;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isDnsLabel(value: string): boolean {
  return value.length <= DNS_LABEL_MAX && DNS_LABEL.test(value);
}

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 8);
}

/**
 * `prefix` + `id` as a DNS-1123 label. Ids as the control plane makes them (`cl_<ulid>`) map one to one by
 * lowercasing and turning `_` into `-`; anything else (uppercase, other characters, too long) could collide with
 * another id after that, so it gets a hash of the original id appended, which keeps distinct ids distinct.
 */
export function dnsLabelFor(prefix: string, id: string): string {
  const simple = /^[a-z0-9_]+$/.test(id);
  const cleaned = id
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const whole = `${prefix}${cleaned}`.replace(/^-+/, '');
  if (simple && isDnsLabel(whole)) return whole;
  const suffix = `-${shortHash(id)}`;
  const head = whole.slice(0, DNS_LABEL_MAX - suffix.length).replace(/-+$/, '');
  const label = `${head}${suffix}`.replace(/^-+/, '');
  if (!isDnsLabel(label)) throw new Error(`cannot make a DNS-1123 name from prefix ${JSON.stringify(prefix)}`);
  return label;
}

/** Ids go into labels as they are when Kubernetes accepts them there; the annotation always keeps the original. */
function labelValue(id: string): string {
  return id.length <= DNS_LABEL_MAX && LABEL_VALUE.test(id) ? id : dnsLabelFor('', id);
}

export function namespaceFor(clusterId: string, prefix = DEFAULT_NAMESPACE_PREFIX): string {
  return dnsLabelFor(prefix, clusterId);
}

/** The major version of `spec.version` ("17", "17.2"), refusing the ones there is no image for. */
export function postgresMajor(version: string): number {
  const match = /^(\d+)(\.\d+)?$/.exec(version.trim());
  const major = match ? Number(match[1]) : NaN;
  if (!(major in POSTGRES_IMAGE_TAGS)) {
    throw new Error(`PostgreSQL version ${JSON.stringify(version)} is not supported; supported majors: ${Object.keys(POSTGRES_IMAGE_TAGS).join(', ')}`);
  }
  return major;
}

/** CPU as a Kubernetes quantity: whole cores as a number of cores, fractions in millicores (0.25 -> 250m). */
function cpuQuantity(vcpu: number): string {
  return Number.isInteger(vcpu) ? String(vcpu) : `${Math.round(vcpu * 1000)}m`;
}

/**
 * Memory parameters from the size's memory, in MB as PostgreSQL reads them: shared_buffers about a quarter of it,
 * effective_cache_size about three quarters (the planner's estimate of shared buffers plus the OS page cache).
 */
function memoryParameters(memoryGb: number): { shared_buffers: string; effective_cache_size: string } {
  const mb = memoryGb * 1024;
  return { shared_buffers: `${Math.floor(mb / 4)}MB`, effective_cache_size: `${Math.floor((mb * 3) / 4)}MB` };
}

/**
 * The objects for one cluster at one generation. A cluster whose desired state is `deleted` has none: the driver
 * deletes its namespace, which takes everything in it along.
 */
export function renderClusterManifests(clusterId: string, generation: number, spec: ClusterSpec, password: string, options: RenderOptions = {}): Manifest[] {
  if (clusterId === '') throw new Error('cluster id is empty');
  if (!Number.isInteger(generation) || generation < 0) throw new Error(`generation must be a non-negative integer, not ${generation}`);
  if (spec.engine !== 'postgres') throw new Error(`the kubernetes driver runs postgres clusters, not ${spec.engine}`);
  if (spec.state === 'deleted') return [];
  const major = postgresMajor(spec.version);
  const size = SIZE_TABLE[spec.size];
  const namespace = namespaceFor(clusterId, options.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX);
  const clusterLabel = labelValue(clusterId);

  const labels = (): Record<string, string> => ({
    [LABELS.orgId]: labelValue(spec.org_id),
    [LABELS.clusterId]: clusterLabel,
    [LABELS.managedBy]: MANAGED_BY,
  });
  const annotations = (): Record<string, string> => ({
    [GENERATION_ANNOTATION]: String(generation),
    [CLUSTER_ID_ANNOTATION]: clusterId,
  });
  const metadata = (name: string) => ({ name, namespace, labels: labels(), annotations: annotations() });

  const resources = { cpu: cpuQuantity(size.vcpu), memory: `${size.memory_gb}Gi` };
  const repository = options.imageRepository ?? DEFAULT_IMAGE_REPOSITORY;

  const ns: Manifest = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: labels(), annotations: annotations() },
  };

  const secret: Manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(APP_SECRET_NAME),
    // The type CNPG requires of an initdb owner secret.
    type: 'kubernetes.io/basic-auth',
    stringData: { username: spec.username, password },
  };

  const cluster: Manifest = {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: {
      ...metadata(CNPG_CLUSTER_NAME),
      annotations: { ...annotations(), [HIBERNATION_ANNOTATION]: spec.state === 'sleeping' ? 'on' : 'off' },
    },
    spec: {
      instances: spec.instances,
      imageName: `${repository}:${POSTGRES_IMAGE_TAGS[major]}`,
      // Requests equal to limits: the pods get the Guaranteed QoS class, so a size is what the user pays for and
      // is not the first thing evicted when a node runs short.
      resources: { requests: { ...resources }, limits: { ...resources } },
      storage: { size: `${spec.storage_gb}Gi`, ...(options.storageClass ? { storageClass: options.storageClass } : {}) },
      bootstrap: { initdb: { database: spec.database, owner: spec.username, secret: { name: APP_SECRET_NAME } } },
      // Nobody outside the operator gets the superuser: users have the application role only.
      enableSuperuserAccess: false,
      postgresql: { parameters: { max_connections: String(size.max_connections), ...memoryParameters(size.memory_gb) } },
      // Pods and PVCs carry the cluster id too, so everything of one cluster can be found by label.
      inheritedMetadata: { labels: labels() },
      managed: {
        services: {
          additional: [
            {
              selectorType: 'rw',
              serviceTemplate: { metadata: { name: LOAD_BALANCER_NAME, labels: labels() }, spec: { type: 'LoadBalancer' } },
            },
          ],
        },
      },
    },
  };

  const networkPolicy: Manifest = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(NETWORK_POLICY_NAME),
    spec: {
      podSelector: { matchLabels: { 'cnpg.io/cluster': CNPG_CLUSTER_NAME } },
      policyTypes: ['Ingress'],
      ingress: [
        // PostgreSQL from anywhere (clients through the load balancer, and the instances replicating to each other);
        // authentication is the database's job.
        { ports: [{ protocol: 'TCP', port: POSTGRES_PORT }] },
        // The operator's pods only, on the instance manager's port: CloudNativePG documents that the operator must
        // reach every instance on 8000 to read its status, so a 5432-only policy would leave clusters unmanaged.
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': options.operatorNamespace ?? DEFAULT_OPERATOR_NAMESPACE } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: INSTANCE_MANAGER_PORT }],
        },
      ],
    },
  };

  return [ns, secret, cluster, networkPolicy];
}
