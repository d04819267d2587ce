// The `kubernetes` driver: each cluster is a CloudNativePG `Cluster` in a namespace of its own, written through
// server-side apply with one field manager (`orochi-agent`) that forces its way through conflicts, so what the
// control plane asked for wins over anyone who edited the same fields. Objects go in dependency order (Namespace,
// Secret, Cluster, NetworkPolicy); a deleted cluster is its namespace deleted, which takes everything along.
//
// The operator converges asynchronously: `apply` returns as soon as the objects are written, with an observation
// whose `phase` says how far the operator got (provisioning, updating, waking, running, failed...). The reconciler
// observes again until the phase settles; a watch on every managed Cluster tells it when something changed.
import { ApiException, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, type KubernetesObject } from '@kubernetes/client-node';
import type { ClusterSpec } from '../../../protocol/agent.ts';
import { Backoff, sleep, type BackoffOptions } from '../../../protocol/backoff.ts';
import { errorMessage, type Logger } from '../../log.ts';
import type { ApplyRequest, ApplyResult, ClusterDriver, ClusterObservation, DriverRecord } from '../driver.ts';
import { observeCnpgCluster, type CnpgClusterView, type LoadBalancerView } from './cnpg-status.ts';
import {
  APP_SECRET_NAME,
  CLUSTER_ID_ANNOTATION,
  CNPG_CLUSTER_NAME,
  DEFAULT_NAMESPACE_PREFIX,
  HIBERNATION_ANNOTATION,
  LABELS,
  LOAD_BALANCER_NAME,
  MANAGED_BY,
  namespaceFor,
  renderClusterManifests,
  type RenderOptions,
} from './manifests.ts';

export const FIELD_MANAGER = 'orochi-agent';
const CNPG_API_VERSION = 'postgresql.cnpg.io/v1';
const CLUSTERS_PATH = '/apis/postgresql.cnpg.io/v1/clusters';

export interface KubernetesDriverOptions {
  kubeConfig: KubeConfig;
  log: Logger;
  render?: RenderOptions;
  /** Delays between restarts of the Cluster watch. Default 250 ms to 30 s. */
  watchBackoff?: BackoffOptions;
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

function secretPassword(secret: KubernetesObject): unknown {
  return (secret as { data?: Record<string, string> }).data?.password;
}

/** What the agent keeps of a cluster: its namespace, and the Cluster's metadata.generation after the agent's apply. */
type KubernetesRecord = { namespace: string; cluster_generation: number | null };

function asKubernetesRecord(record: DriverRecord | null): KubernetesRecord | null {
  if (!record || typeof record.namespace !== 'string') return null;
  return { namespace: record.namespace, cluster_generation: typeof record.cluster_generation === 'number' ? record.cluster_generation : null };
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
  private readonly client: KubernetesObjectApi;
  private readonly render: RenderOptions;
  private readonly listeners = new Set<(clusterId: string) => void>();
  private watching: AbortController | null = null;
  private watchLoop: Promise<void> | null = null;
  private watchRequest: AbortController | null = null;

  constructor(private readonly options: KubernetesDriverOptions) {
    this.client = KubernetesObjectApi.makeApiClient(options.kubeConfig);
    this.render = options.render ?? {};
  }

  async apply(request: ApplyRequest): Promise<ApplyResult> {
    const { clusterId, spec, password, emit } = request;
    const namespace = this.namespace(clusterId);
    let clusterGeneration: number | null = null;
    try {
      if (spec.state === 'deleted') {
        const ns = await this.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
        if (ns && !ns.metadata?.deletionTimestamp) {
          await this.client.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
          emit({ event_type: 'deleted', message: `Namespace ${namespace} deleted with the cluster and its data.` });
        }
        return { observation: await this.observe(clusterId, spec, request.record), record: null };
      }
      const manifests = renderClusterManifests(clusterId, request.generation ?? 0, spec, password, this.render);
      const before = await this.readCluster(namespace);
      const secretBefore = before ? await this.readSecret(namespace) : null;
      let changed = false;
      let rekeyed = false;
      for (const manifest of manifests) {
        const applied = await this.client.patch(manifest as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
        if (manifest.kind === 'Cluster') {
          // A spec change moves the generation; the operator's status writes and our annotations do not.
          changed = before !== null && applied.metadata?.generation !== before.metadata?.generation;
          clusterGeneration = applied.metadata?.generation ?? null;
        }
        // The Secret's annotations move with every command; only its data says whether the password changed.
        if (manifest.kind === 'Secret') rekeyed = secretBefore !== null && secretPassword(applied) !== secretPassword(secretBefore);
      }
      if (rekeyed) emit({ event_type: 'password_rotated', message: `Password of role ${spec.username} changed in Secret ${namespace}/${APP_SECRET_NAME}.` });
      const wasAsleep = before?.metadata?.annotations?.[HIBERNATION_ANNOTATION] === 'on';
      if (!before) {
        emit({ event_type: 'created', message: `CloudNativePG Cluster ${namespace}/${CNPG_CLUSTER_NAME} created (${spec.instances} x ${spec.size}, PostgreSQL ${spec.version}).` });
      } else if (wasAsleep !== (spec.state === 'sleeping')) {
        emit(
          spec.state === 'sleeping'
            ? { event_type: 'stopped', message: 'Hibernation requested; data kept.' }
            : { event_type: 'started', message: 'Hibernation lifted; instances starting.' },
        );
      } else if (changed) {
        emit({ event_type: 'updated', message: `CloudNativePG Cluster ${namespace}/${CNPG_CLUSTER_NAME} updated (${spec.instances} x ${spec.size}).` });
      }
    } catch (error) {
      throw new Error(apiErrorMessage(error), { cause: error });
    }
    const record: KubernetesRecord = { namespace, cluster_generation: clusterGeneration };
    return { observation: await this.observe(clusterId, spec, record), record };
  }

  async observe(clusterId: string, spec: ClusterSpec, record: DriverRecord | null): Promise<ClusterObservation> {
    const namespace = this.namespace(clusterId);
    try {
      if (spec.state === 'deleted') {
        const ns = await this.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
        if (!ns) return this.gone(`Namespace ${namespace} is gone.`);
        if (ns.metadata?.deletionTimestamp) {
          return { state: 'deleted', phase: 'deleting', endpoint: null, instances: 0, ready_instances: 0, message: `Namespace ${namespace} is being deleted.` };
        }
      }
      const cluster = await this.readCluster(namespace);
      if (!cluster) return this.gone(`No CloudNativePG Cluster in ${namespace}.`);
      const [service, secret] = await Promise.all([
        this.read({ apiVersion: 'v1', kind: 'Service', metadata: { name: LOAD_BALANCER_NAME, namespace } }) as Promise<LoadBalancerView | null>,
        this.readSecret(namespace),
      ]);
      // What is declared there: hibernated or not. How far the operator got is the phase.
      const declared = cluster.metadata?.annotations?.[HIBERNATION_ANNOTATION] === 'on' ? 'sleeping' : 'running';
      const seen = observeCnpgCluster(cluster as CnpgClusterView, service, declared, secret?.metadata?.resourceVersion ?? null);
      if (seen.phase === 'deleted' || seen.phase === 'deleting') {
        return { state: 'deleted', phase: seen.phase, endpoint: null, instances: 0, ready_instances: 0, message: seen.message };
      }
      // Someone else changed the Cluster's spec since the agent last applied it (the generation moved on).
      const applied = asKubernetesRecord(record)?.cluster_generation ?? null;
      const live = cluster.metadata?.generation ?? null;
      const drift = applied !== null && live !== null && live !== applied ? `spec changed outside the agent (generation ${applied} -> ${live})` : undefined;
      return {
        state: declared,
        phase: seen.phase,
        endpoint: seen.endpoint,
        instances: seen.instances,
        ready_instances: seen.readyInstances,
        message: seen.message || `CloudNativePG Cluster ${namespace}/${CNPG_CLUSTER_NAME}`,
        ...(drift ? { drift } : {}),
      };
    } catch (error) {
      throw new Error(apiErrorMessage(error), { cause: error });
    }
  }

  /**
   * Calls `listener` with the cluster id whenever a managed Cluster changes (and for every one of them after a
   * re-list). Returns the unsubscribe function. The watch runs while anyone listens.
   */
  watch(listener: (clusterId: string) => void): () => void {
    this.listeners.add(listener);
    if (!this.watching) {
      const controller = new AbortController();
      this.watching = controller;
      this.watchLoop = this.runWatch(controller.signal);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.stopWatch();
    };
  }

  async shutdown(): Promise<void> {
    await this.stopWatch();
  }

  private async stopWatch(): Promise<void> {
    this.watching?.abort();
    this.watchRequest?.abort();
    this.watching = null;
    const loop = this.watchLoop;
    this.watchLoop = null;
    await loop;
  }

  private notify(object: KubernetesObject | undefined): void {
    const clusterId = object?.metadata?.annotations?.[CLUSTER_ID_ANNOTATION];
    if (!clusterId) return;
    for (const listener of this.listeners) listener(clusterId);
  }

  /** List then watch from the list's resourceVersion; resume after an ended watch, re-list after 410 Gone. */
  private async runWatch(signal: AbortSignal): Promise<void> {
    const log = this.options.log.child({ part: 'cluster-watch' });
    const backoff = new Backoff(this.options.watchBackoff ?? { baseMs: 250, capMs: 30_000 });
    const labelSelector = `${LABELS.managedBy}=${MANAGED_BY}`;
    let resourceVersion: string | null = null;
    while (!signal.aborted) {
      let healthy = false;
      try {
        if (resourceVersion === null) {
          const list = await this.client.list(CNPG_API_VERSION, 'Cluster', undefined, undefined, undefined, undefined, undefined, labelSelector);
          resourceVersion = list.metadata?.resourceVersion ?? '0';
          for (const item of list.items) this.notify(item);
          log.debug('listed clusters', { count: list.items.length, resource_version: resourceVersion });
        }
        const from = resourceVersion;
        const ended = await new Promise<unknown>((resolve) => {
          if (signal.aborted) return resolve(null);
          new Watch(this.options.kubeConfig)
            .watch(
              CLUSTERS_PATH,
              { labelSelector, resourceVersion: from, allowWatchBookmarks: true },
              (type: string, object: KubernetesObject & { code?: number; message?: string }) => {
                if (type === 'ERROR') {
                  // 410 Gone: the history we would resume from is compacted; start over with a list.
                  if (object.code === 410) resourceVersion = null;
                  log.info('watch error event', { code: object.code, message: object.message });
                  return;
                }
                healthy = true;
                if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
                if (type !== 'BOOKMARK') this.notify(object);
              },
              (error: unknown) => resolve(error),
            )
            .then(
              (request) => {
                this.watchRequest = request;
                if (signal.aborted) request.abort();
              },
              (error: unknown) => resolve(error),
            );
        });
        this.watchRequest = null;
        if (signal.aborted) return;
        if (ended) log.info('cluster watch ended', { error: errorMessage(ended) });
        else log.debug('cluster watch closed by the server');
      } catch (error) {
        if (signal.aborted) return;
        log.warn('listing clusters failed', { error: apiErrorMessage(error) });
      }
      if (healthy) backoff.reset();
      await sleep(backoff.next(), signal);
    }
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

  private readCluster(namespace: string): Promise<Resource | null> {
    return this.read({ apiVersion: CNPG_API_VERSION, kind: 'Cluster', metadata: { name: CNPG_CLUSTER_NAME, namespace } });
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
