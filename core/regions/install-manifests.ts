// The Kubernetes objects that run a region's agent in its cluster, served by GET /v1/regions/{id}/install.yaml.
// The Helm chart in agent/helm/orochi-agent renders the same objects; agent/helm/install-manifests.test.ts keeps
// the chart's names and ClusterRole rules equal to the ones here. Pure (no Worker imports) so Node tests can load
// it and validate every object against the Kubernetes schemas.
import { stringify } from 'yaml';

export const AGENT_NAMESPACE = 'orochi-system';
export const AGENT_NAME = 'orochi-agent';
export const AGENT_REGISTRATION_SECRET = 'orochi-agent-registration';
export const AGENT_DATA_CLAIM = 'orochi-agent-data';
export const AGENT_DATA_DIR = '/var/lib/orochi-agent';
export const AGENT_IMAGE_REPOSITORY = 'ghcr.io/orochi-cloud/agent';
const AGENT_UID = 10001;

/**
 * What the kubernetes driver does, and nothing more: a namespace per cluster holding the CloudNativePG
 * `Cluster`, its password Secret, a LoadBalancer Service and a NetworkPolicy, watched until ready and deleted
 * with the cluster; plus Events to report. With a region object store, the barman-cloud `ObjectStore` (whose
 * status holds the restore window) and a copy of the store's credentials Secret in each namespace, a
 * `ScheduledBackup`, and the `Backup`s of backups asked for; every Backup is watched (the schedule's too) and
 * marked once reported. Secrets are never listed or watched, so the agent cannot read secrets it does not know
 * by name. Observability reads the instance pods through the API server, with GET only: their metrics exporter
 * (:9187) through `pods/proxy`, their PostgreSQL log through `pods/log`, and their CPU and memory from the metrics API
 * (`metrics.k8s.io` pods); the pods themselves are known from the Cluster's status, never listed. No wildcard anywhere.
 */
export const AGENT_CLUSTER_ROLE_RULES = [
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'create', 'patch', 'delete'] },
  { apiGroups: ['postgresql.cnpg.io'], resources: ['clusters'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: ['postgresql.cnpg.io'], resources: ['clusters/status'], verbs: ['get', 'watch'] },
  { apiGroups: ['postgresql.cnpg.io'], resources: ['backups', 'scheduledbackups'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: ['barmancloud.cnpg.io'], resources: ['objectstores'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['pods/proxy', 'pods/log'], verbs: ['get'] },
  { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get'] },
];

// An OCI image reference: [registry[:port]/]path[:tag][@digest], the grammar of distribution/reference.
const DOMAIN = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?`;
const PATH_COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const TAG = String.raw`[\w][\w.-]{0,127}`;
const DIGEST = String.raw`[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`;
export const IMAGE_REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);
export const IMAGE_REFERENCE_MAX_LENGTH = 512;

export const defaultAgentImage = (version: string) => `${AGENT_IMAGE_REPOSITORY}:${version}`;

export interface InstallManifestOptions {
  /** The control plane's origin, which the agent connects to. */
  url: string;
  registrationToken: string;
  image: string;
  regionId: string;
}

type KubernetesObject = { apiVersion: string; kind: string; metadata: Record<string, unknown> } & Record<string, unknown>;

const labels = { 'app.kubernetes.io/name': AGENT_NAME, 'app.kubernetes.io/part-of': 'orochi-cloud' };

/** Namespace, RBAC, registration Secret, data volume and Deployment, in the order `kubectl apply` needs them. */
export function agentInstallManifests(options: InstallManifestOptions): KubernetesObject[] {
  const namespaced = (name: string) => ({ name, namespace: AGENT_NAMESPACE, labels });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: AGENT_NAMESPACE, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: namespaced(AGENT_NAME) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: AGENT_NAME, labels },
      rules: AGENT_CLUSTER_ROLE_RULES,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: AGENT_NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: AGENT_NAME },
      subjects: [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace: AGENT_NAMESPACE }],
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: namespaced(AGENT_REGISTRATION_SECRET),
      type: 'Opaque',
      stringData: { OROCHI_REGISTRATION_TOKEN: options.registrationToken },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: namespaced(AGENT_DATA_CLAIM),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { ...namespaced(AGENT_NAME), annotations: { 'orochi.cloud/region-id': options.regionId } },
      spec: {
        replicas: 1,
        // One agent per data directory: the old pod must let go of the volume before the new one starts.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { 'app.kubernetes.io/name': AGENT_NAME } },
        template: {
          metadata: { labels },
          spec: agentPodSpec(options),
        },
      },
    },
  ];
}

function agentPodSpec(options: InstallManifestOptions) {
  return {
    serviceAccountName: AGENT_NAME,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: AGENT_UID,
      runAsGroup: AGENT_UID,
      fsGroup: AGENT_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'agent',
        image: options.image,
        args: ['--driver', 'kubernetes'],
        env: [
          { name: 'OROCHI_URL', value: options.url },
          { name: 'OROCHI_AGENT_DATA_DIR', value: AGENT_DATA_DIR },
          { name: 'OROCHI_LOG_LEVEL', value: 'info' },
          {
            name: 'OROCHI_REGISTRATION_TOKEN',
            valueFrom: { secretKeyRef: { name: AGENT_REGISTRATION_SECRET, key: 'OROCHI_REGISTRATION_TOKEN' } },
          },
        ],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
        ...AGENT_PROBES,
        volumeMounts: [
          { name: 'data', mountPath: AGENT_DATA_DIR },
          // tsx keeps its compile cache under the temp directory; the root filesystem is read-only.
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
    ],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: AGENT_DATA_CLAIM } },
      { name: 'tmp', emptyDir: {} },
    ],
  };
}

/**
 * The agent has no HTTP server, so both probes run a command. Ready once the agent has registered and saved its
 * state file (region id and credential). Alive while the process named by its data-dir lock (`agent.pid`) runs:
 * a crashed agent already ends the container, so this catches a pod whose agent lost its claim on the volume.
 */
export const AGENT_PROBES = {
  readinessProbe: {
    exec: { command: ['test', '-s', `${AGENT_DATA_DIR}/state.json`] },
    initialDelaySeconds: 5,
    periodSeconds: 10,
  },
  livenessProbe: {
    exec: { command: ['sh', '-c', `kill -0 "$(cat ${AGENT_DATA_DIR}/agent.pid)"`] },
    initialDelaySeconds: 30,
    periodSeconds: 30,
    failureThreshold: 3,
  },
};

/** The objects as one multi-document YAML stream. */
export function toYamlStream(objects: readonly object[]): string {
  return objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
}
