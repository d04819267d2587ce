// What the `kubernetes` driver applies for one cluster, as plain objects (apiVersion/kind/metadata/spec) ready for
// server-side apply: a namespace of its own, a basic-auth Secret for the application role, a CloudNativePG
// `Cluster`, a NetworkPolicy and, when the region has an object store, the barman-cloud ObjectStore and the
// ScheduledBackup (backup-manifests.ts). Rendering is pure (same input, same objects) so that applying the same command
// twice changes nothing, and so `agent render` can show exactly what would be applied without a Kubernetes API.
//
// The password appears in the Secret only: the Cluster points at the Secret by name, so a rotation changes one
// object and nothing else ever carries the password into logs, events or `kubectl get -o yaml` of the Cluster.
import { createHash } from 'node:crypto';
import { type ClusterSpec } from '../../../protocol/agent.ts';
import { SIZE_TABLE } from '../../../protocol/sizes.ts';
import {
  backupObjectName,
  backupSpec,
  externalClusterFor,
  OBJECT_STORE_API_VERSION,
  OBJECT_STORE_NAME,
  objectStoreSpec,
  recoveryBootstrap,
  SCHEDULED_BACKUP_NAME,
  scheduledBackupSpec,
  walArchiverPlugin,
  type BackupStoreOptions,
  type RecoverySource,
} from './backup-manifests.ts';

export interface RenderOptions {
  /** The StorageClass of the data volumes; the Kubernetes cluster's default when absent. */
  storageClass?: string;
  /** Namespaces are `<prefix><cluster id>`; default `orochi-`. */
  namespacePrefix?: string;
  /** Where the PostgreSQL images come from (a mirror, say); default ghcr.io/cloudnative-pg/postgresql. */
  imageRepository?: string;
  /** Where the CloudNativePG operator runs; its pods must reach the instances' status port. Default cnpg-system. */
  operatorNamespace?: string;
  /** The region's object store for WAL archiving and backups (barman-cloud plugin); none: no backups. */
  backupStore?: BackupStoreOptions;
  /**
   * Address ranges (CIDR) allowed to reach the instances' metrics exporter on 9187: the API server's, whose pod proxy
   * the agent reads metrics through. Empty: the policy leaves 9187 closed, which CNIs that police the API server's
   * traffic enforce (metrics then come only from where the CNI lets the proxy through).
   */
  metricsFrom?: readonly string[];
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
export const LOAD_BALANCER_NAME = loadBalancerName(CNPG_CLUSTER_NAME);
export const NETWORK_POLICY_NAME = 'postgres-ingress';
export const POSTGRES_PORT = 5432;
/** The instance manager's status port, which the operator polls; without it the operator cannot run the cluster. */
export const INSTANCE_MANAGER_PORT = 8000;
/** CloudNativePG's metrics exporter on every instance. */
export const METRICS_PORT = 9187;

/**
 * The exact image tag per supported major version (CloudNativePG's image catalog of 2026-02-26). Exact, not the moving
 * per-major tag: with a moving tag a pod rescheduled next month would run another minor than its replicas, and a restore
 * could start on a newer minor than the backup it reads. A cluster keeps the image it was created with (the driver's
 * record); a branch or a restore takes its source's.
 */
export const POSTGRES_IMAGE_TAGS: Readonly<Record<number, string>> = { 15: '15.17', 16: '16.13', 17: '17.9', 18: '18.3' };

export const LABELS = {
  orgId: 'orochi.cloud/org-id',
  clusterId: 'orochi.cloud/cluster-id',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;
export const MANAGED_BY = 'orochi-agent';
export const GENERATION_ANNOTATION = 'orochi.cloud/generation';
/** On a CNPG Cluster made by an in-place restore: the restore id it carries out. */
export const RESTORE_ANNOTATION = 'orochi.cloud/restore-id';
export const BACKUP_ID_ANNOTATION = 'orochi.cloud/backup-id';
export const BACKUP_KIND_ANNOTATION = 'orochi.cloud/backup-kind';
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

export function postgresImage(version: string, repository = DEFAULT_IMAGE_REPOSITORY): string {
  return `${repository}:${POSTGRES_IMAGE_TAGS[postgresMajor(version)]}`;
}

/** The LoadBalancer Service of a CNPG Cluster (one per Cluster: CNPG owns it through managed.services). */
export function loadBalancerName(cnpgClusterName: string): string {
  return `${cnpgClusterName}-lb`;
}

/**
 * Which CNPG Cluster serves the cluster, as the driver decided and keeps in its record: its name, the serverName it
 * archives under, its image, and the history it was made from (null: initdb). Fixed at the Cluster's creation
 * (bootstrap is read once, and the image only changes through an upgrade), so later applies render the same.
 */
export interface CnpgPlacement {
  name: string;
  serverName: string;
  imageName: string;
  recovery: RecoverySource | null;
}

/**
 * The placement of a cluster's first CNPG Cluster, from its spec alone: `postgres`, archiving under the cluster id,
 * the pinned image of its version, and for a branch its source's history. The driver replaces the image with the
 * source's, and a backup id with barman's id from the source's Backup; `agent render` shows the spec's values.
 */
export function initialPlacement(clusterId: string, spec: ClusterSpec, options: RenderOptions = {}): CnpgPlacement {
  return {
    name: CNPG_CLUSTER_NAME,
    serverName: clusterId,
    imageName: postgresImage(spec.version, options.imageRepository),
    recovery: spec.source ? { serverName: spec.source.cluster_id, barmanBackupId: spec.source.backup_id, targetTime: spec.source.target_time } : null,
  };
}

/**
 * Query insights: setting pg_stat_statements' parameters is how CloudNativePG is asked for the extension; the operator
 * then adds the library to shared_preload_libraries and creates the extension itself (CNPG docs, PostgreSQL
 * Configuration, "Shared Preload Libraries"). Top-level statements only: what the user sent, not function bodies.
 */
export const STATEMENT_STATISTICS = { 'pg_stat_statements.max': '5000', 'pg_stat_statements.track': 'top' } as const;

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

function clusterLabels(clusterId: string, spec: ClusterSpec): Record<string, string> {
  return { [LABELS.orgId]: labelValue(spec.org_id), [LABELS.clusterId]: labelValue(clusterId), [LABELS.managedBy]: MANAGED_BY };
}

function clusterAnnotations(clusterId: string, generation: number): Record<string, string> {
  return { [GENERATION_ANNOTATION]: String(generation), [CLUSTER_ID_ANNOTATION]: clusterId };
}

/**
 * The Backup object of a backup the agent takes (one asked for on demand): named from the backup id, with the id and
 * kind in annotations so that whoever reads it back knows which backup of the catalog it is.
 */
export function renderBackupManifest(clusterId: string, spec: ClusterSpec, backup: { id: string; kind: string }, cnpgClusterName: string, options: RenderOptions = {}): Manifest {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Backup',
    metadata: {
      name: backupObjectName(backup.id),
      namespace: namespaceFor(clusterId, options.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX),
      labels: clusterLabels(clusterId, spec),
      annotations: { [CLUSTER_ID_ANNOTATION]: clusterId, [BACKUP_ID_ANNOTATION]: backup.id, [BACKUP_KIND_ANNOTATION]: backup.kind },
    },
    spec: backupSpec(cnpgClusterName),
  };
}

/**
 * The objects for one cluster at one generation. A cluster whose desired state is `deleted` has none: the driver
 * deletes its namespace, which takes everything in it along.
 */
export function renderClusterManifests(
  clusterId: string,
  generation: number,
  spec: ClusterSpec,
  password: string,
  options: RenderOptions = {},
  placement: CnpgPlacement = initialPlacement(clusterId, spec, options),
): Manifest[] {
  if (clusterId === '') throw new Error('cluster id is empty');
  if (!Number.isInteger(generation) || generation < 0) throw new Error(`generation must be a non-negative integer, not ${generation}`);
  if (spec.engine !== 'postgres') throw new Error(`the kubernetes driver runs postgres clusters, not ${spec.engine}`);
  if (spec.state === 'deleted') return [];
  // Refuses a version there is no image for, even when the placement names an image already.
  postgresMajor(spec.version);
  const size = SIZE_TABLE[spec.size];
  const namespace = namespaceFor(clusterId, options.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX);
  const clusterLabel = labelValue(clusterId);
  const labels = () => clusterLabels(clusterId, spec);
  const annotations = () => clusterAnnotations(clusterId, generation);
  const metadata = (name: string) => ({ name, namespace, labels: labels(), annotations: annotations() });

  const resources = { cpu: cpuQuantity(size.vcpu), memory: `${size.memory_gb}Gi` };
  const store = options.backupStore;
  if (placement.recovery && !store) throw new Error('a cluster made from a backup needs the region\'s object store, and none is configured');

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
      ...metadata(placement.name),
      annotations: { ...annotations(), [HIBERNATION_ANNOTATION]: spec.state === 'sleeping' ? 'on' : 'off' },
    },
    spec: {
      instances: spec.instances,
      imageName: placement.imageName,
      // Requests equal to limits: the pods get the Guaranteed QoS class, so a size is what the user pays for and
      // is not the first thing evicted when a node runs short.
      resources: { requests: { ...resources }, limits: { ...resources } },
      storage: { size: `${spec.storage_gb}Gi`, ...(options.storageClass ? { storageClass: options.storageClass } : {}) },
      bootstrap: placement.recovery
        ? recoveryBootstrap(placement.recovery, spec.database, spec.username, APP_SECRET_NAME)
        : { initdb: { database: spec.database, owner: spec.username, secret: { name: APP_SECRET_NAME } } },
      ...(placement.recovery ? { externalClusters: [externalClusterFor(placement.recovery)] } : {}),
      ...(store ? { plugins: [walArchiverPlugin(placement.serverName)] } : {}),
      // Nobody outside the operator gets the superuser: users have the application role only.
      enableSuperuserAccess: false,
      postgresql: { parameters: { max_connections: String(size.max_connections), ...memoryParameters(size.memory_gb), ...STATEMENT_STATISTICS } },
      // Pods and PVCs carry the cluster id too, so everything of one cluster can be found by label.
      inheritedMetadata: { labels: labels() },
      managed: {
        services: {
          additional: [
            {
              selectorType: 'rw',
              serviceTemplate: { metadata: { name: loadBalancerName(placement.name), labels: labels() }, spec: { type: 'LoadBalancer' } },
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
      // By the cluster id every pod inherits, so the policy covers a restore's new CNPG Cluster as well as the old one.
      podSelector: { matchLabels: { [LABELS.clusterId]: clusterLabel } },
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
        // The exporter from the API server's ranges only (the agent reads it through the pod proxy): other tenants'
        // pods in the same Kubernetes cluster never see a cluster's statistics.
        ...(options.metricsFrom?.length
          ? [{ from: options.metricsFrom.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: METRICS_PORT }] }]
          : []),
      ],
    },
  };

  if (!store) return [ns, secret, cluster, networkPolicy];
  const objectStore: Manifest = {
    apiVersion: OBJECT_STORE_API_VERSION,
    kind: 'ObjectStore',
    metadata: metadata(OBJECT_STORE_NAME),
    spec: objectStoreSpec(store, spec.backups.retention_days),
  };
  const scheduledBackup: Manifest = {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'ScheduledBackup',
    metadata: metadata(SCHEDULED_BACKUP_NAME),
    // A hibernated cluster has no instance to back up: its schedule waits until it wakes.
    spec: { ...scheduledBackupSpec(placement.name, spec.backups.schedule), suspend: spec.state === 'sleeping' },
  };
  // The ObjectStore before the Cluster that names it; the schedule after the Cluster it backs up.
  return [ns, secret, objectStore, cluster, networkPolicy, scheduledBackup];
}
