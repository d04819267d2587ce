// The `kubernetes` driver: each cluster is a CloudNativePG `Cluster` in a namespace of its own, written through
// server-side apply with one field manager (`orochi-agent`) that forces its way through conflicts, so what the
// control plane asked for wins over anyone who edited the same fields. Objects go in dependency order (Namespace,
// Secret, Cluster, NetworkPolicy); a deleted cluster is its namespace deleted, which takes everything along.
//
// The operator converges asynchronously: `apply` returns as soon as the objects are written, with an observation
// whose `phase` says how far the operator got (provisioning, updating, waking, running, failed...). The reconciler
// observes again until the phase settles; a watch on every managed Cluster tells it when something changed.
//
// Backups (with a region object store: render.backupStore) go through CloudNativePG's barman-cloud plugin: `backup`
// creates a Backup and waits for its terminal phase. A branch is a new cluster whose CNPG Cluster recovers from its
// source's serverName (resolved from the source's Backup and Cluster objects: barman's backup id and the source's
// image). An in-place restore cannot recover into a running CNPG Cluster (bootstrap is read once), so it is a NEW CNPG
// Cluster in the same namespace, `postgres-r<k>`, recovering from the current one's serverName and archiving under
// `<cluster id>-r<k>` (barman-cloud refuses to archive into a folder holding another server's WAL, and the old history
// must stay readable for later restores). The old Cluster serves until the new one is healthy; then the driver deletes
// it and the endpoint becomes the new Cluster's load balancer. The record says which CNPG Cluster is current. Once a
// Cluster made from a history (a branch's, a restore's) is healthy, apply says `restored` once, and the record keeps it.
//
// CloudNativePG's ScheduledBackup takes the scheduled backups; a second watch, on every Backup, reports them (and the
// agent's own) as they start and end (cnpg-backup-report.ts). The restore window is the plugin's ObjectStore status
// for the current serverName and the Cluster's ContinuousArchiving condition (cnpg-restore-window.ts).
import { ApiException, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { ClusterSpec, RestoreSpec } from '../../../protocol/agent.ts';
import { sleep, type BackoffOptions } from '../../../protocol/backoff.ts';
import type { RestoreWindow } from '../../backup/wal-history.ts';
import { errorMessage, type Logger } from '../../log.ts';
import type { LogEntry } from '../../../protocol/observability.ts';
import type { ApplyRequest, ApplyResult, BackupOutcome, BackupRequest, ClusterDriver, ClusterObservation, DriverRecord, LogHistoryQuery, MetricsSample, ObservedBackup, SqlAccess } from '../driver.ts';
import {
  ACCESS_KEY_ID_KEY,
  BACKUP_CREDENTIALS_SECRET,
  backupObjectName,
  OBJECT_STORE_API_VERSION,
  OBJECT_STORE_NAME,
  REGION_KEY,
  SECRET_ACCESS_KEY_KEY,
  type RecoverySource,
} from './backup-manifests.ts';
import { alreadyReported, annotatedClusterId, backupReportOf, REPORTED_ANNOTATION, type CnpgBackupObject } from './cnpg-backup-report.ts';
import { backupProgress, type CnpgBackupView } from './cnpg-backup-status.ts';
import { cnpgRestoreWindow, type ObjectStoreView } from './cnpg-restore-window.ts';
import { HEALTHY_PHASE, observeCnpgCluster, type CnpgClusterView, type LoadBalancerView } from './cnpg-status.ts';
import { CnpgTelemetry, type LocatedCluster } from './cnpg-telemetry.ts';
import { cnpgSqlAccess, type SqlRoute } from './sql-access.ts';
import {
  APP_SECRET_NAME,
  CLUSTER_ID_ANNOTATION,
  CNPG_CLUSTER_NAME,
  DEFAULT_NAMESPACE_PREFIX,
  HIBERNATION_ANNOTATION,
  initialPlacement,
  LABELS,
  loadBalancerName,
  MANAGED_BY,
  namespaceFor,
  renderBackupManifest,
  renderClusterManifests,
  RESTORE_ANNOTATION,
  type CnpgPlacement,
  type Manifest,
  type RenderOptions,
} from './manifests.ts';
import { runResourceWatch, type WatchEventType } from './resource-watch.ts';

export const FIELD_MANAGER = 'orochi-agent';
const CNPG_API_VERSION = 'postgresql.cnpg.io/v1';
const CLUSTERS_PATH = '/apis/postgresql.cnpg.io/v1/clusters';
const BACKUPS_PATH = '/apis/postgresql.cnpg.io/v1/backups';
/** The cluster name of the kubeconfig KubeConfig.loadFromCluster makes from the pod's service account. */
const IN_CLUSTER = 'inCluster';
/** Its own field manager for the reported-phase annotation on Backups, apart from what the agent applies. */
const REPORTS_FIELD_MANAGER = 'orochi-agent-backup-reports';

export interface KubernetesDriverOptions {
  kubeConfig: KubeConfig;
  log: Logger;
  render?: RenderOptions;
  /** Delays between restarts of the Cluster watch. Default 250 ms to 30 s. */
  watchBackoff?: BackoffOptions;
  /** How often a Backup under way is read again. Default 1 s. */
  backupPollMs?: number;
  /** How long a Backup may take before the backup is reported failed. Default 6 h. */
  backupTimeoutMs?: number;
  /**
   * How the agent itself reaches a cluster's server (sql-access.ts): `service`, the -rw Service's cluster DNS name, for
   * an agent running in the Kubernetes cluster; `load-balancer` for one running outside it. Default: `service` when the
   * credentials are the pod's service account (loadKubeConfig's in-cluster config), else `load-balancer`.
   */
  sqlRoute?: SqlRoute;
  /** How often a followed cluster's instance pods are listed again. Default 2 s. */
  followRefreshMs?: number;
}

/**
 * The Kubernetes credentials: the kubeconfig file named (flag, then KUBECONFIG), else the pod's service account
 * when the agent runs inside a cluster.
 */
export function loadKubeConfig(kubeconfigPath: string | null | undefined, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  const path = kubeconfigPath || env.KUBECONFIG;
  if (path) {
    kc.loadFromFile(path);
  } else if (env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    throw new Error('the kubernetes driver needs --kubeconfig (or KUBECONFIG), or to run inside a Kubernetes cluster');
  }
  if (!kc.getCurrentCluster()) throw new Error(`the kubeconfig ${path ?? '(in-cluster)'} has no current cluster`);
  return kc;
}

type Resource = KubernetesObject & Record<string, unknown>;

interface RunningWatch {
  controller: AbortController;
  request: AbortController | null;
  loop: Promise<void>;
}

function secretPassword(secret: KubernetesObject): unknown {
  return (secret as { data?: Record<string, string> }).data?.password;
}

/**
 * What the agent keeps of a cluster: its namespace, the current CNPG Cluster's metadata.generation after the agent's
 * apply, which CNPG Cluster is current (its placement), and an in-place restore under way (the Cluster that takes over
 * once healthy). Records written before restores existed have no placement: the first CNPG Cluster, as rendered then.
 */
type KubernetesRecord = {
  namespace: string;
  cluster_generation: number | null;
  placement: CnpgPlacement | null;
  /** In-place restores done so far: the next one's Cluster is postgres-r<restores + 1>. */
  restores: number;
  /** The newest restore id carried out (or under way), so each is done once. */
  restore_id: string | null;
  next: CnpgPlacement | null;
  /**
   * The CNPG Cluster made from a history (a branch's first, a restore's) whose recovery the agent has reported done
   * (ApplyResult.restored, once). Records from before it was kept say LEGACY_RECOVERY: whatever ran then was reported.
   */
  recovery_reported: string | null;
};

const LEGACY_RECOVERY = '*';

function asPlacement(value: unknown): CnpgPlacement | null {
  const p = value as Partial<CnpgPlacement> | null;
  if (!p || typeof p.name !== 'string' || typeof p.serverName !== 'string' || typeof p.imageName !== 'string') return null;
  return { name: p.name, serverName: p.serverName, imageName: p.imageName, recovery: (p.recovery as RecoverySource | null) ?? null };
}

function asKubernetesRecord(record: DriverRecord | null): KubernetesRecord | null {
  if (!record || typeof record.namespace !== 'string') return null;
  return {
    namespace: record.namespace,
    cluster_generation: typeof record.cluster_generation === 'number' ? record.cluster_generation : null,
    placement: asPlacement(record.placement),
    restores: typeof record.restores === 'number' ? record.restores : 0,
    restore_id: typeof record.restore_id === 'string' ? record.restore_id : null,
    next: asPlacement(record.next),
    recovery_reported: typeof record.recovery_reported === 'string' || record.recovery_reported === null ? record.recovery_reported : LEGACY_RECOVERY,
  };
}

/** The serverName a CNPG Cluster archives under (its barman-cloud WAL archiver plugin's), if it has one. */
function archiverServerName(cluster: KubernetesObject): string | null {
  const plugins = ((cluster as { spec?: { plugins?: Array<{ isWALArchiver?: boolean; parameters?: { serverName?: string } }> } }).spec?.plugins ?? []);
  return plugins.find((plugin) => plugin.isWALArchiver)?.parameters?.serverName ?? null;
}

/** The k of `postgres-r<k>`; 0 for the first CNPG Cluster. */
function restoreIndex(cnpgClusterName: string): number {
  const match = /-r(\d+)$/.exec(cnpgClusterName);
  return match ? Number(match[1]) : 0;
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

/** An API error as one line: the Status message when the server sent one. */
function apiErrorMessage(error: unknown): string {
  if (error instanceof ApiException) {
    let body: unknown = error.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body) as unknown;
      } catch {
        // not JSON: the text itself
      }
    }
    const message = body && typeof body === 'object' && 'message' in body ? String((body as { message: unknown }).message) : String(body);
    return `Kubernetes API ${error.code}: ${message}`;
  }
  return errorMessage(error);
}

export class KubernetesDriver implements ClusterDriver {
  readonly kind = 'kubernetes';
  /** A ScheduledBackup per cluster and the ObjectStore's retentionPolicy take scheduled backups and retention. */
  readonly managesBackupLifecycle = true;
  private readonly client: KubernetesObjectApi;
  private readonly render: RenderOptions;
  /** Without a position of archived WAL from the plugin, the window's newest point is now, read again each minute. */
  readonly restoreWindowRefreshMs = 60_000;
  private readonly listeners = new Set<(clusterId: string) => void>();
  private readonly backupListeners = new Set<(backup: ObservedBackup) => void>();
  private clusterWatch: RunningWatch | null = null;
  private backupWatch: RunningWatch | null = null;
  /** Backup events in the order they came, one at a time. */
  private backupEvents: Promise<void> = Promise.resolve();
  /** Backups (by uid) reported running by this process. */
  private readonly runningReported = new Set<string>();
  /** Cluster ids of the agent's namespaces, read from the Namespaces as Backups show up in them. */
  private readonly namespaceClusters = new Map<string, string>();

  private readonly telemetry: CnpgTelemetry;

  constructor(private readonly options: KubernetesDriverOptions) {
    this.client = KubernetesObjectApi.makeApiClient(options.kubeConfig);
    this.render = options.render ?? {};
    this.telemetry = new CnpgTelemetry({
      kubeConfig: options.kubeConfig,
      log: options.log.child({ part: 'telemetry' }),
      locate: (clusterId, record) => this.servingCluster(clusterId, record),
      ...(options.followRefreshMs === undefined ? {} : { followRefreshMs: options.followRefreshMs }),
    });
  }

  /** The app role's connection to the running cluster (sql-access.ts); null unless it is running with an instance ready. */
  async sqlAccess(clusterId: string, spec: ClusterSpec, password: string, record: DriverRecord | null): Promise<SqlAccess | null> {
    const observation = await this.observe(clusterId, spec, record);
    if (observation.state !== 'running' || observation.ready_instances === 0) return null;
    const serving = await this.servingCluster(clusterId, record).catch((error: unknown) => {
      throw new Error(apiErrorMessage(error), { cause: error });
    });
    if (!serving) return null;
    return cnpgSqlAccess({ route: this.options.sqlRoute ?? this.defaultSqlRoute(), namespace: serving.namespace, cnpgCluster: serving.name, spec, password, endpoint: observation.endpoint });
  }

  /** The instances' exporters and pod usage (cnpg-telemetry.ts); null while no instance runs. */
  async sampleMetrics(clusterId: string, spec: ClusterSpec, record: DriverRecord | null): Promise<MetricsSample | null> {
    try {
      return await this.telemetry.sampleMetrics(clusterId, spec.database, record);
    } catch (error) {
      throw new Error(apiErrorMessage(error), { cause: error });
    }
  }

  /** The instance pods' PostgreSQL log lines, read back through the API (cnpg-telemetry.ts). */
  async logHistory(clusterId: string, _spec: ClusterSpec, record: DriverRecord | null, query: LogHistoryQuery): Promise<LogEntry[]> {
    try {
      return await this.telemetry.logHistory(clusterId, record, query);
    } catch (error) {
      throw new Error(apiErrorMessage(error), { cause: error });
    }
  }

  /** Follows the instance pods' PostgreSQL log lines until the returned function is called (cnpg-telemetry.ts). */
  followLogs(clusterId: string, _spec: ClusterSpec, record: DriverRecord | null, onEntries: (entries: LogEntry[]) => void): () => void {
    return this.telemetry.followLogs(clusterId, record, onEntries);
  }

  /** In the cluster when its credentials are the pod's service account: KubeConfig.loadFromCluster names it `inCluster`. */
  private defaultSqlRoute(): SqlRoute {
    return this.options.kubeConfig.getCurrentCluster()?.name === IN_CLUSTER ? 'service' : 'load-balancer';
  }

  /** The CNPG Cluster serving the cluster: the record's placement, else the oldest live one in its namespace. */
  private async servingCluster(clusterId: string, record: DriverRecord | null): Promise<LocatedCluster | null> {
    const namespace = this.namespace(clusterId);
    const kept = asKubernetesRecord(record);
    const cluster = kept?.placement ? await this.readCluster(namespace, kept.placement.name) : ((await this.liveCnpgClusters(namespace))[0] ?? null);
    const name = cluster?.metadata?.name;
    return cluster && name ? { namespace, name, cluster: cluster as LocatedCluster['cluster'] } : null;
  }

  async apply(request: ApplyRequest): Promise<ApplyResult> {
    const { clusterId, spec, password, emit } = request;
    const namespace = this.namespace(clusterId);
    const previous = asKubernetesRecord(request.record);
    let record: KubernetesRecord;
    let restored = false;
    try {
      if (spec.state === 'deleted') {
        const ns = await this.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
        if (ns && !ns.metadata?.deletionTimestamp) {
          await this.client.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
          emit({ event_type: 'deleted', message: `Namespace ${namespace} deleted with the cluster and its data.` });
        }
        return { observation: await this.observe(clusterId, spec, request.record), record: null };
      }
      record = previous ?? { namespace, cluster_generation: null, placement: null, restores: 0, restore_id: null, next: null, recovery_reported: null };
      if (!record.placement) {
        // A cluster the agent holds no placement for (new, or recorded before placements were kept) keeps the image its
        // Cluster already runs: the pinned tags apply to new clusters, never as a surprise rolling restart.
        const live = (await this.readCluster(namespace, CNPG_CLUSTER_NAME)) as { spec?: { imageName?: string } } | null;
        const first = await this.firstPlacement(clusterId, spec);
        record.placement = live?.spec?.imageName ? { ...first, imageName: live.spec.imageName } : first;
      }
      // A restore whose Cluster is healthy takes over: the old Cluster goes, the endpoint moves to the new one.
      if (record.next && (await this.isHealthy(namespace, record.next.name))) {
        const old = record.placement;
        record.placement = record.next;
        record.next = null;
        record.restores = restoreIndex(record.placement.name);
        record.cluster_generation = null;
        await this.deleteCnpgCluster(namespace, old.name);
        emit({ event_type: 'restored', message: `CloudNativePG Cluster ${namespace}/${record.placement.name} restored and serving; ${old.name} deleted.` });
      }
      if (spec.restore && previous && spec.restore.restore_id !== record.restore_id) {
        record.next = await this.restorePlacement(clusterId, record, spec.restore);
        record.restore_id = spec.restore.restore_id;
        emit({ event_type: 'restoring', message: `Restoring into CloudNativePG Cluster ${namespace}/${record.next.name} from ${record.next.recovery?.serverName}; ${record.placement.name} serves until it is ready.` });
      }
      record.restore_id ??= spec.restore?.restore_id ?? null;
      await this.applyObjects(request, record.placement, record, emit);
      if (record.next) await this.applyObjects(request, record.next, null, emit);
      if (record.recovery_reported === LEGACY_RECOVERY) record.recovery_reported = record.placement.name;
      // The serving Cluster's data came from a history and it is now healthy: the cluster's own history starts here.
      if (record.placement.recovery && record.recovery_reported !== record.placement.name && (await this.isHealthy(namespace, record.placement.name))) {
        record.recovery_reported = record.placement.name;
        restored = true;
      }
    } catch (error) {
      throw new Error(apiErrorMessage(error), { cause: error });
    }
    return { observation: await this.observe(clusterId, spec, record), record, restored };
  }

  /**
   * Writes the cluster's objects for one CNPG Cluster (`record` set: the current one, whose generation it records;
   * null: a restore's Cluster, which gets its Cluster only: the schedule stays with the serving one until it takes over).
   */
  private async applyObjects(request: ApplyRequest, placement: CnpgPlacement, record: KubernetesRecord | null, emit: ApplyRequest['emit']): Promise<void> {
    const { clusterId, spec, password } = request;
    const namespace = this.namespace(clusterId);
    const all = renderClusterManifests(clusterId, request.generation ?? 0, spec, password, this.render, placement);
    const manifests = record ? all : all.filter((m) => m.kind === 'Cluster');
    const before = await this.readCluster(namespace, placement.name);
    const secretBefore = before ? await this.readSecret(namespace) : null;
    let changed = false;
    let rekeyed = false;
    for (const manifest of manifests) {
      if (manifest.kind === 'Cluster' && !record) manifest.metadata.annotations[RESTORE_ANNOTATION] = spec.restore?.restore_id ?? '';
      const applied = await this.client.patch(manifest as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      if (manifest.kind === 'Cluster') {
        // A spec change moves the generation; the operator's status writes and our annotations do not.
        changed = before !== null && applied.metadata?.generation !== before.metadata?.generation;
        if (record) record.cluster_generation = applied.metadata?.generation ?? null;
      }
      // The Secret's annotations move with every command; only its data says whether the password changed.
      if (manifest.kind === 'Secret') rekeyed = secretBefore !== null && secretPassword(applied) !== secretPassword(secretBefore);
      if (manifest.kind === 'Namespace') await this.copyBackupCredentials(namespace, manifest);
    }
    if (!record) return;
    if (rekeyed) emit({ event_type: 'password_rotated', message: `Password of role ${spec.username} changed in Secret ${namespace}/${APP_SECRET_NAME}.` });
    const wasAsleep = before?.metadata?.annotations?.[HIBERNATION_ANNOTATION] === 'on';
    if (!before) {
      const from = placement.recovery ? ` from the history of ${placement.recovery.serverName}` : '';
      emit({ event_type: 'created', message: `CloudNativePG Cluster ${namespace}/${placement.name} created${from} (${spec.instances} x ${spec.size}, PostgreSQL ${spec.version}).` });
    } else if (wasAsleep !== (spec.state === 'sleeping')) {
      emit(
        spec.state === 'sleeping'
          ? { event_type: 'stopped', message: 'Hibernation requested; data kept.' }
          : { event_type: 'started', message: 'Hibernation lifted; instances starting.' },
      );
    } else if (changed) {
      emit({ event_type: 'updated', message: `CloudNativePG Cluster ${namespace}/${placement.name} updated (${spec.instances} x ${spec.size}).` });
    }
  }

  /**
   * The ObjectStore can only name Secrets of its own namespace: the region's credentials are copied into the cluster's,
   * right after the Namespace and before the ObjectStore that names them. Labelled like the cluster's other objects.
   */
  private async copyBackupCredentials(namespace: string, ns: Manifest): Promise<void> {
    const store = this.render.backupStore;
    if (!store) return;
    const { namespace: from, name } = store.credentialsSecret;
    const source = (await this.read({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: from } })) as { data?: Record<string, string> } | null;
    const data = source?.data ?? {};
    for (const key of [ACCESS_KEY_ID_KEY, SECRET_ACCESS_KEY_KEY]) {
      if (!data[key]) throw new Error(`the backup credentials Secret ${from}/${name} ${source ? `has no ${key}` : 'does not exist'}`);
    }
    const copy = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: BACKUP_CREDENTIALS_SECRET, namespace, labels: ns.metadata.labels, annotations: { [CLUSTER_ID_ANNOTATION]: ns.metadata.annotations[CLUSTER_ID_ANNOTATION] ?? '' } },
      type: 'Opaque',
      data: {
        [ACCESS_KEY_ID_KEY]: data[ACCESS_KEY_ID_KEY],
        [SECRET_ACCESS_KEY_KEY]: data[SECRET_ACCESS_KEY_KEY],
        ...(store.region ? { [REGION_KEY]: Buffer.from(store.region).toString('base64') } : {}),
      },
    };
    await this.client.patch(copy as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }

  /**
   * The first CNPG Cluster of a cluster. A branch reads its source's history: at a backup, the serverName and barman's
   * id that the source's Backup recorded; otherwise the source's current serverName. It runs the source's image, so a
   * restore never meets a newer minor than the data it reads.
   */
  private async firstPlacement(clusterId: string, spec: ClusterSpec): Promise<CnpgPlacement> {
    const placement = initialPlacement(clusterId, spec, this.render);
    if (!spec.source) return placement;
    const sourceNamespace = this.namespace(spec.source.cluster_id);
    const current = (await this.liveCnpgClusters(sourceNamespace)).at(-1) ?? null;
    let serverName = current ? archiverServerName(current) ?? spec.source.cluster_id : spec.source.cluster_id;
    let barmanBackupId: string | null = null;
    if (spec.source.backup_id) {
      const resolved = await this.completedBackup(sourceNamespace, spec.source.backup_id);
      serverName = resolved.serverName;
      barmanBackupId = resolved.barmanBackupId;
    }
    const imageName = (current?.spec as { imageName?: string } | undefined)?.imageName ?? placement.imageName;
    return { ...placement, imageName, recovery: { serverName, barmanBackupId, targetTime: spec.source.target_time } };
  }

  /** The next in-place restore's CNPG Cluster: recovering from the current one's serverName, archiving under its own. */
  private async restorePlacement(clusterId: string, record: KubernetesRecord, restore: RestoreSpec): Promise<CnpgPlacement> {
    const current = record.placement!;
    const k = Math.max(record.restores, restoreIndex(current.name)) + 1;
    let serverName = current.serverName;
    let barmanBackupId: string | null = null;
    if (restore.backup_id) {
      const resolved = await this.completedBackup(record.namespace, restore.backup_id);
      serverName = resolved.serverName;
      barmanBackupId = resolved.barmanBackupId;
    }
    return {
      name: `${CNPG_CLUSTER_NAME}-r${k}`,
      serverName: `${clusterId}-r${k}`,
      imageName: current.imageName,
      recovery: { serverName, barmanBackupId, targetTime: restore.target_time },
    };
  }

  async observe(clusterId: string, spec: ClusterSpec, record: DriverRecord | null): Promise<ClusterObservation> {
    const namespace = this.namespace(clusterId);
    const kept = asKubernetesRecord(record);
    const name = kept?.placement?.name ?? CNPG_CLUSTER_NAME;
    try {
      if (spec.state === 'deleted') {
        const ns = await this.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
        if (!ns) return this.gone(`Namespace ${namespace} is gone.`);
        if (ns.metadata?.deletionTimestamp) {
          return { state: 'deleted', phase: 'deleting', endpoint: null, instances: 0, ready_instances: 0, message: `Namespace ${namespace} is being deleted.` };
        }
      }
      const cluster = await this.readCluster(namespace, name);
      if (!cluster) return this.gone(`No CloudNativePG Cluster ${name} in ${namespace}.`);
      const [service, secret] = await Promise.all([
        this.read({ apiVersion: 'v1', kind: 'Service', metadata: { name: loadBalancerName(name), namespace } }) as Promise<LoadBalancerView | null>,
        this.readSecret(namespace),
      ]);
      // What is declared there: hibernated or not. How far the operator got is the phase.
      const declared = cluster.metadata?.annotations?.[HIBERNATION_ANNOTATION] === 'on' ? 'sleeping' : 'running';
      const seen = observeCnpgCluster(cluster as CnpgClusterView, service, declared, secret?.metadata?.resourceVersion ?? null);
      if (seen.phase === 'deleted' || seen.phase === 'deleting') {
        return { state: 'deleted', phase: seen.phase, endpoint: null, instances: 0, ready_instances: 0, message: seen.message };
      }
      // Someone else changed the Cluster's spec since the agent last applied it (the generation moved on).
      const applied = kept?.cluster_generation ?? null;
      const live = cluster.metadata?.generation ?? null;
      let drift = applied !== null && live !== null && live !== applied ? `spec changed outside the agent (generation ${applied} -> ${live})` : undefined;
      // A Cluster made from a history became healthy: applying again tells the reconciler (ApplyResult.restored).
      const recovered = kept?.placement?.recovery && kept.recovery_reported !== LEGACY_RECOVERY && kept.recovery_reported !== name;
      if (recovered && (cluster as CnpgClusterView).status?.phase === HEALTHY_PHASE) drift ??= `recovery into ${name} is complete`;
      const observation: ClusterObservation = {
        state: declared,
        phase: seen.phase,
        endpoint: seen.endpoint,
        instances: seen.instances,
        ready_instances: seen.readyInstances,
        message: seen.message || `CloudNativePG Cluster ${namespace}/${name}`,
      };
      if (kept?.next) {
        // A restore under way: the old Cluster serves meanwhile. Once the new one is healthy, applying again switches
        // over to it, which is what the drift asks of the reconciler; until then the cluster is updating.
        const next = await this.readCluster(namespace, kept.next.name);
        const nextSeen = observeCnpgCluster(next as CnpgClusterView | null, null, 'running');
        if (next && (next as CnpgClusterView).status?.phase === HEALTHY_PHASE) drift ??= `restore ${kept.restore_id} is ready in ${kept.next.name}: switching over`;
        else if (nextSeen.phase === 'failed') return { ...observation, phase: 'failed', endpoint: null, message: `Restore ${kept.restore_id} failed in ${kept.next.name}: ${nextSeen.message}` };
        observation.phase = 'updating';
        observation.message = `Restoring into ${kept.next.name}: ${nextSeen.message || 'waiting for the operator'}`;
      }
      return drift ? { ...observation, drift } : observation;
    } catch (error) {
      throw new Error(apiErrorMessage(error), { cause: error });
    }
  }

  /**
   * Takes a backup through the barman-cloud plugin: a Backup named from the backup id (so asking again after an agent
   * restart finds the one already made), then its status read until CNPG settles it. The operator writes to the object
   * store itself; the agent's sink is not used.
   */
  async backup(request: BackupRequest): Promise<BackupOutcome> {
    if (!this.render.backupStore) throw new Error('backups on the kubernetes driver need the region\'s object store for CloudNativePG (--backup-secret, --backup-endpoint)');
    const kept = asKubernetesRecord(request.record);
    const cnpgCluster = kept?.placement?.name ?? CNPG_CLUSTER_NAME;
    const manifest = renderBackupManifest(request.clusterId, request.spec, { id: request.backupId, kind: request.kind }, cnpgCluster, this.render);
    const header = { apiVersion: manifest.apiVersion, kind: 'Backup', metadata: { name: manifest.metadata.name, namespace: manifest.metadata.namespace! } };
    try {
      if (!(await this.read(header))) await this.client.create(manifest as KubernetesObject);
      const deadline = Date.now() + (this.options.backupTimeoutMs ?? 6 * 60 * 60_000);
      while (true) {
        const backup = await this.read(header);
        if (!backup) throw new Error(`Backup ${header.metadata.namespace}/${header.metadata.name} was deleted before it ended`);
        const progress = backupProgress(backup as CnpgBackupView);
        if (progress.state === 'completed') return progress.outcome;
        if (progress.state === 'failed') throw new Error(`CloudNativePG Backup ${header.metadata.name} failed: ${progress.error}`);
        if (Date.now() > deadline) throw new Error(`CloudNativePG Backup ${header.metadata.name} still ${progress.phase} after ${Math.round((this.options.backupTimeoutMs ?? 0) / 60_000)} min`);
        await sleep(this.options.backupPollMs ?? 1000);
      }
    } catch (error) {
      if (error instanceof ApiException) throw new Error(apiErrorMessage(error), { cause: error });
      throw error;
    }
  }

  /**
   * Calls `listener` with the cluster id whenever a managed Cluster changes (and for every one of them after a
   * re-list). Returns the unsubscribe function. The watch runs while anyone listens.
   */
  watch(listener: (clusterId: string) => void): () => void {
    this.listeners.add(listener);
    this.clusterWatch ??= this.startWatch('Cluster', CLUSTERS_PATH, `${LABELS.managedBy}=${MANAGED_BY}`, (_type, object) => this.notify(object));
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.stopWatch('clusterWatch');
    };
  }

  /**
   * Reports every Backup of a managed cluster as it starts and ends: the agent's own and those CloudNativePG's
   * ScheduledBackup makes on its schedule. Across namespaces and without a label selector, since the Backups a
   * ScheduledBackup makes carry none of the agent's labels; each is known by its namespace then. Events are handled one
   * at a time, so a Backup's reports go out in the order of its phases.
   */
  watchBackups(listener: (backup: ObservedBackup) => void): () => void {
    this.backupListeners.add(listener);
    this.backupWatch ??= this.startWatch('Backup', BACKUPS_PATH, undefined, (type, object) => {
      this.backupEvents = this.backupEvents.then(() =>
        this.onBackupEvent(type, object as CnpgBackupObject).catch((error: unknown) =>
          this.options.log.warn('reporting a Backup failed', { backup: `${object.metadata?.namespace}/${object.metadata?.name}`, error: apiErrorMessage(error) }),
        ),
      );
    });
    return () => {
      this.backupListeners.delete(listener);
      if (this.backupListeners.size === 0) void this.stopWatch('backupWatch');
    };
  }

  /**
   * What the cluster's current serverName can be restored to, from the namespace's ObjectStore status, the serving
   * CNPG Cluster's ContinuousArchiving condition, and its Backups (cnpg-restore-window.ts).
   */
  async restoreWindow(clusterId: string, record: DriverRecord | null = null): Promise<RestoreWindow | null> {
    if (!this.render.backupStore) return null;
    const namespace = this.namespace(clusterId);
    const kept = asKubernetesRecord(record);
    try {
      const cluster = kept?.placement ? await this.readCluster(namespace, kept.placement.name) : ((await this.liveCnpgClusters(namespace))[0] ?? null);
      if (!cluster) return null;
      const serverName = archiverServerName(cluster) ?? kept?.placement?.serverName ?? clusterId;
      const [objectStore, backups] = await Promise.all([
        this.read({ apiVersion: OBJECT_STORE_API_VERSION, kind: 'ObjectStore', metadata: { name: OBJECT_STORE_NAME, namespace } }),
        this.client.list(CNPG_API_VERSION, 'Backup', namespace),
      ]);
      return cnpgRestoreWindow({
        serverName,
        objectStore: objectStore as ObjectStoreView | null,
        cluster: cluster as CnpgClusterView,
        backups: backups.items as CnpgBackupView[],
        now: new Date(),
      });
    } catch (error) {
      throw new Error(apiErrorMessage(error), { cause: error });
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.stopWatch('clusterWatch'), this.stopWatch('backupWatch')]);
    await this.backupEvents;
  }

  private startWatch(kind: string, path: string, labelSelector: string | undefined, onEvent: (type: WatchEventType, object: KubernetesObject) => void): RunningWatch {
    const controller = new AbortController();
    const running: RunningWatch = { controller, request: null, loop: Promise.resolve() };
    running.loop = runResourceWatch({
      kubeConfig: this.options.kubeConfig,
      client: this.client,
      log: this.options.log.child({ part: `${kind.toLowerCase()}-watch` }),
      apiVersion: CNPG_API_VERSION,
      kind,
      path,
      ...(labelSelector ? { labelSelector } : {}),
      backoff: this.options.watchBackoff ?? { baseMs: 250, capMs: 30_000 },
      signal: controller.signal,
      onEvent,
      onRequest: (request) => {
        running.request = request;
      },
    });
    return running;
  }

  private async stopWatch(which: 'clusterWatch' | 'backupWatch'): Promise<void> {
    const running = this[which];
    if (!running) return;
    this[which] = null;
    running.controller.abort();
    running.request?.abort();
    await running.loop;
  }

  private notify(object: KubernetesObject | undefined): void {
    const clusterId = object?.metadata?.annotations?.[CLUSTER_ID_ANNOTATION];
    if (!clusterId) return;
    for (const listener of this.listeners) listener(clusterId);
  }

  /**
   * One Backup event: reported unless its final phase already was (REPORTED_ANNOTATION, written once the listeners
   * had it), and `running` once per Backup while this agent runs.
   */
  private async onBackupEvent(type: WatchEventType, backup: CnpgBackupObject): Promise<void> {
    const uid = backup.metadata?.uid ?? '';
    if (type === 'DELETED') {
      this.runningReported.delete(uid);
      return;
    }
    if (alreadyReported(backup) || this.backupListeners.size === 0) return;
    const namespace = backup.metadata?.namespace ?? '';
    const clusterId = annotatedClusterId(backup) ?? (await this.clusterIdOfNamespace(namespace));
    if (!clusterId) return;
    const report = backupReportOf(backup, clusterId);
    if (!report) return;
    if (report.status === 'running') {
      if (this.runningReported.has(uid)) return;
      this.runningReported.add(uid);
    }
    for (const listener of this.backupListeners) listener(report);
    if (report.status === 'running') return;
    this.runningReported.delete(uid);
    const marker = { apiVersion: CNPG_API_VERSION, kind: 'Backup', metadata: { name: backup.metadata?.name ?? '', namespace, annotations: { [REPORTED_ANNOTATION]: backup.status?.phase ?? '' } } };
    try {
      await this.client.patch(marker as KubernetesObject, undefined, undefined, REPORTS_FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      // Gone meanwhile (its namespace deleted, say): nothing left to report twice.
      if (!isNotFound(error)) throw error;
    }
  }

  /** The cluster a namespace belongs to: its Namespace's annotation, when the agent made it. Remembered once found. */
  private async clusterIdOfNamespace(namespace: string): Promise<string | null> {
    if (!namespace.startsWith(this.render.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX)) return null;
    const known = this.namespaceClusters.get(namespace);
    if (known) return known;
    const ns = await this.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const clusterId = ns?.metadata?.labels?.[LABELS.managedBy] === MANAGED_BY ? (ns.metadata.annotations?.[CLUSTER_ID_ANNOTATION] ?? null) : null;
    if (clusterId) this.namespaceClusters.set(namespace, clusterId);
    return clusterId;
  }

  private namespace(clusterId: string): string {
    return namespaceFor(clusterId, this.render.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX);
  }

  private gone(message: string): ClusterObservation {
    return { state: 'deleted', phase: 'deleted', endpoint: null, instances: 0, ready_instances: 0, message };
  }

  private readSecret(namespace: string): Promise<Resource | null> {
    return this.read({ apiVersion: 'v1', kind: 'Secret', metadata: { name: APP_SECRET_NAME, namespace } });
  }

  private readCluster(namespace: string, name: string): Promise<Resource | null> {
    return this.read({ apiVersion: CNPG_API_VERSION, kind: 'Cluster', metadata: { name, namespace } });
  }

  private async isHealthy(namespace: string, name: string): Promise<boolean> {
    return ((await this.readCluster(namespace, name)) as CnpgClusterView | null)?.status?.phase === HEALTHY_PHASE;
  }

  private async deleteCnpgCluster(namespace: string, name: string): Promise<void> {
    try {
      await this.client.delete({ apiVersion: CNPG_API_VERSION, kind: 'Cluster', metadata: { name, namespace } });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * A namespace's CNPG Clusters that are not being deleted, oldest first (by restore index): while an in-place restore
   * is under way the first serves and the last is the restore's; otherwise there is one.
   */
  private async liveCnpgClusters(namespace: string): Promise<Resource[]> {
    const list = await this.client.list(CNPG_API_VERSION, 'Cluster', namespace, undefined, undefined, undefined, undefined, `${LABELS.managedBy}=${MANAGED_BY}`);
    const live = list.items.filter((item) => !item.metadata?.deletionTimestamp) as Resource[];
    return live.sort((a, b) => restoreIndex(a.metadata?.name ?? '') - restoreIndex(b.metadata?.name ?? ''));
  }

  /** barman's id and the serverName of a completed backup, from its Backup object (named from the backup id). */
  private async completedBackup(namespace: string, backupId: string): Promise<{ serverName: string; barmanBackupId: string }> {
    const name = backupObjectName(backupId);
    const backup = await this.read({ apiVersion: CNPG_API_VERSION, kind: 'Backup', metadata: { name, namespace } });
    if (!backup) throw new Error(`backup ${backupId} has no Backup ${namespace}/${name}: it cannot be restored on this region's Kubernetes`);
    const progress = backupProgress(backup as CnpgBackupView);
    if (progress.state !== 'completed' || !progress.barmanBackupId || !progress.serverName) {
      throw new Error(`backup ${backupId} is not a completed backup (Backup ${namespace}/${name} is ${progress.state})`);
    }
    return { serverName: progress.serverName, barmanBackupId: progress.barmanBackupId };
  }

  private async read(header: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<Resource | null> {
    try {
      return (await this.client.read(header)) as Resource;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}
