// What the agent's telemetry reads of a CloudNativePG cluster, the Kubernetes way, through the API server only (the
// agent's role grants pods/proxy, pods/log and metrics.k8s.io pods; agent/helm and the install YAML):
// - the instance pods are the serving Cluster's status.instanceNames (CNPG names each pod after its instance), primary
//   (status.currentPrimary) first; a hibernated Cluster has none;
// - metrics: each pod's exporter on :9187 through the pod proxy (cnpg-metrics.ts), and its CPU and memory from
//   metrics.k8s.io when the cluster has the metrics API (pod-metrics.ts): asked once, and when absent (404 on its
//   discovery) not asked again for ten minutes rather than on every 10 s sample;
// - logs: the pods' `postgres` container logs, CNPG's JSON lines (cnpg-logs.ts), read back (tailLines, sinceTime) or
//   followed (follow=true), the set of pods read again every few seconds so a wake, a scale or a dropped stream is
//   picked up; a restarted stream resumes from its last line.
// An instance that does not answer (restarting, not yet scheduled) is left out of a sample or a read; the others count.
import type { KubeConfig } from '@kubernetes/client-node';
import { OBSERVABILITY_LIMITS, type LogEntry } from '../../../protocol/observability.ts';
import { errorMessage, type Logger } from '../../log.ts';
import type { LogHistoryQuery, MetricsSample } from '../driver.ts';
import { entryOfCnpgLine, lineSplitter } from './cnpg-logs.ts';
import { mergeInstanceSamples, sampleFromExposition } from './cnpg-metrics.ts';
import type { CnpgClusterView } from './cnpg-status.ts';
import { kubeGet, kubeGetText } from './kube-http.ts';
import { HIBERNATION_ANNOTATION } from './manifests.ts';
import { podUsage, type PodMetricsView } from './pod-metrics.ts';

export const EXPORTER_PORT = 9187;
/** The container of an instance pod that runs PostgreSQL (and CNPG's instance manager). */
export const INSTANCE_CONTAINER = 'postgres';
const METRICS_API = '/apis/metrics.k8s.io/v1beta1';
const METRICS_API_RECHECK_MS = 10 * 60_000;

/** The serving CNPG Cluster of a cluster and its namespace; null when there is none. */
export type LocateCluster = (clusterId: string, record: Record<string, unknown> | null) => Promise<LocatedCluster | null>;

export interface LocatedCluster {
  namespace: string;
  name: string;
  cluster: CnpgClusterView & { metadata?: { annotations?: Record<string, string> }; status?: { instanceNames?: string[]; currentPrimary?: string } };
}

export interface CnpgTelemetryOptions {
  kubeConfig: KubeConfig;
  log: Logger;
  locate: LocateCluster;
  /** How often a followed cluster's pods are listed again (a woken or scaled cluster, a dropped stream). Default 2 s. */
  followRefreshMs?: number;
}

function apiCode(error: unknown): number | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}

export class CnpgTelemetry {
  /** Until when the metrics API is taken as absent (0: present or not yet asked). */
  private metricsApiAbsentUntil = 0;
  private metricsApiKnown = false;

  constructor(private readonly options: CnpgTelemetryOptions) {}

  /** The serving Cluster's instance pods, primary first; none while it is hibernated. */
  async instancePods(clusterId: string, record: Record<string, unknown> | null): Promise<{ namespace: string; pods: string[] } | null> {
    const located = await this.options.locate(clusterId, record);
    if (!located) return null;
    const { cluster, namespace } = located;
    if (cluster.metadata?.annotations?.[HIBERNATION_ANNOTATION] === 'on') return { namespace, pods: [] };
    const names = cluster.status?.instanceNames ?? [];
    const primary = cluster.status?.currentPrimary;
    return { namespace, pods: [...names].sort((a, b) => Number(b === primary) - Number(a === primary)) };
  }

  async sampleMetrics(clusterId: string, database: string, record: Record<string, unknown> | null): Promise<MetricsSample | null> {
    const located = await this.instancePods(clusterId, record);
    if (!located || located.pods.length === 0) return null;
    const withUsage = await this.metricsApiPresent();
    const samples = await Promise.all(located.pods.map((pod) => this.samplePod(located.namespace, pod, database, withUsage)));
    return mergeInstanceSamples(samples.filter((s): s is MetricsSample => s !== null));
  }

  private async samplePod(namespace: string, pod: string, database: string, withUsage: boolean): Promise<MetricsSample | null> {
    const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
    const [exposition, usage] = await Promise.all([
      kubeGetText(this.options.kubeConfig, `${base}/${encodeURIComponent(`${pod}:${EXPORTER_PORT}`)}/proxy/metrics`).catch((error: unknown) => {
        this.options.log.debug('an instance\'s exporter did not answer', { pod: `${namespace}/${pod}`, error: errorMessage(error) });
        return null;
      }),
      withUsage
        ? kubeGetText(this.options.kubeConfig, `${METRICS_API}/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`)
            .then((body) => podUsage(JSON.parse(body) as PodMetricsView))
            // Not scraped yet (a new pod): no usage this time.
            .catch(() => ({}))
        : {},
    ]);
    if (exposition === null) return null;
    return { ...sampleFromExposition(exposition, database), ...usage };
  }

  /** Whether the cluster serves metrics.k8s.io; a 404 is remembered for a while, other failures ask again next time. */
  private async metricsApiPresent(): Promise<boolean> {
    if (this.metricsApiKnown) return true;
    if (Date.now() < this.metricsApiAbsentUntil) return false;
    try {
      await kubeGetText(this.options.kubeConfig, METRICS_API);
      this.metricsApiKnown = true;
      return true;
    } catch (error) {
      if (apiCode(error) === 404) {
        this.metricsApiAbsentUntil = Date.now() + METRICS_API_RECHECK_MS;
        this.options.log.info('the Kubernetes metrics API is not installed: clusters are sampled without CPU and memory', {});
      }
      return false;
    }
  }

  /** The newest `limit` PostgreSQL log lines of the instances from `since` on, oldest first. */
  async logHistory(clusterId: string, record: Record<string, unknown> | null, query: LogHistoryQuery): Promise<LogEntry[]> {
    const located = await this.instancePods(clusterId, record);
    if (!located || located.pods.length === 0) return [];
    const since = query.since === null ? null : Date.parse(query.since);
    // The pods' logs hold the instance manager's lines too: ask for more than the limit so that enough are PostgreSQL's.
    const tailLines = Math.min(query.limit * 4, OBSERVABILITY_LIMITS.logWindowLines);
    const failures: unknown[] = [];
    const perPod = await Promise.all(
      located.pods.map(async (pod) => {
        const params: Record<string, string> = { container: INSTANCE_CONTAINER, tailLines: String(tailLines) };
        // sinceTime has whole seconds; the exact bound is applied to the entries below.
        if (since !== null) params.sinceTime = new Date(Math.floor(since / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        try {
          const body = await kubeGetText(this.options.kubeConfig, this.logPath(located.namespace, pod), { query: params });
          return body.split('\n').map(entryOfCnpgLine).filter((e): e is LogEntry => e !== null);
        } catch (error) {
          failures.push(error);
          return [];
        }
      }),
    );
    if (failures.length === located.pods.length) throw failures[0];
    const entries = perPod.flat().filter((e) => since === null || Date.parse(e.at) >= since);
    entries.sort((a, b) => a.at.localeCompare(b.at));
    return entries.slice(-query.limit);
  }

  /** Streams new PostgreSQL log lines of every instance to `onEntries` until the returned function is called. */
  followLogs(clusterId: string, record: Record<string, unknown> | null, onEntries: (entries: LogEntry[]) => void): () => void {
    const streams = new Map<string, { controller: AbortController; resumeAfter: number; lastAt: string | null }>();
    let stopped = false;
    let namespace = '';
    // Lines from the moment of the call on, however long the first streams take to open.
    const from = Date.now();
    const start = (pod: string, resume: { resumeAfter: number; lastAt: string | null } | null) => {
      const state = { controller: new AbortController(), resumeAfter: resume?.resumeAfter ?? from, lastAt: resume?.lastAt ?? null };
      streams.set(pod, state);
      void this.streamPod(namespace, pod, state, onEntries)
        .catch((error: unknown) => {
          if (!state.controller.signal.aborted) this.options.log.debug('following an instance\'s log stopped', { pod: `${namespace}/${pod}`, error: errorMessage(error) });
        })
        .finally(() => {
          // Ended on its own (the container restarted, the connection dropped): resumed on the next refresh.
          if (streams.get(pod) === state && !stopped) ended.set(pod, { resumeAfter: state.resumeAfter, lastAt: state.lastAt });
          if (streams.get(pod) === state) streams.delete(pod);
        });
    };
    const ended = new Map<string, { resumeAfter: number; lastAt: string | null }>();
    const refresh = async () => {
      const located = await this.instancePods(clusterId, record).catch(() => null);
      if (stopped) return;
      const pods = located?.pods ?? [];
      namespace = located?.namespace ?? namespace;
      for (const [pod, state] of streams) {
        if (!pods.includes(pod)) {
          // Gone for now (hibernated, scaled down): if it comes back, its log is taken up after the last line seen.
          ended.set(pod, { resumeAfter: state.resumeAfter, lastAt: state.lastAt });
          state.controller.abort();
          streams.delete(pod);
        }
      }
      for (const pod of pods) {
        if (streams.has(pod)) continue;
        start(pod, ended.get(pod) ?? null);
        ended.delete(pod);
      }
    };
    void refresh();
    const timer = setInterval(() => void refresh(), this.options.followRefreshMs ?? 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
      for (const state of streams.values()) state.controller.abort();
      streams.clear();
    };
  }

  private logPath(namespace: string, pod: string): string {
    return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
  }

  /**
   * One pod's followed log until it ends: the lines from `resumeAfter` on, or after the last one seen. sinceTime has
   * whole seconds, so the lines of that second before the bound are dropped here (on a resume, a line written in the
   * very millisecond of the last one seen is taken for it).
   */
  private async streamPod(namespace: string, pod: string, state: { controller: AbortController; resumeAfter: number; lastAt: string | null }, onEntries: (entries: LogEntry[]) => void): Promise<void> {
    const sinceTime = new Date(Math.floor(state.resumeAfter / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const query: Record<string, string> = { container: INSTANCE_CONTAINER, follow: 'true', sinceTime };
    // The bound is where this stream starts; within it every line counts, even two written in the same millisecond.
    const afterLast = state.lastAt;
    const from = state.resumeAfter;
    const response = await kubeGet(this.options.kubeConfig, this.logPath(namespace, pod), { query, signal: state.controller.signal });
    const split = lineSplitter();
    response.setEncoding('utf8');
    for await (const chunk of response as AsyncIterable<string>) {
      const entries = split(chunk)
        .map(entryOfCnpgLine)
        .filter((e): e is LogEntry => e !== null && (afterLast === null ? Date.parse(e.at) >= from : e.at > afterLast));
      if (entries.length === 0) continue;
      state.lastAt = entries.at(-1)!.at;
      state.resumeAfter = Date.parse(state.lastAt);
      onEntries(entries);
    }
  }
}
