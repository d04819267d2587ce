// What a ClusterDO keeps and forwards of its cluster's telemetry: metric samples and health probes (stored, and
// published on `metrics:{id}` only while someone watches it), log lines (published on `logs:{id}`, never stored),
// which channels are watched (persisted, read once per instance), and the reads the API serves from them.
// Ingest is the hot path — every running cluster reports every 10 s — so it does no catalog round trip once the
// object holds its snapshot, and a few SQLite statements.
import { healthSchema, logsSchema, metricsSchema, type HealthReport, type LogsReport, type MetricsReport } from '../../protocol/agent.ts';
import { metricSeries, type MetricSeries } from '../../protocol/enums.ts';
import { OBSERVABILITY_LIMITS, type HealthHistory, type MetricsResponse } from '../../protocol/observability.ts';
import type { RealtimeEvent } from '../../protocol/realtime.ts';
import { log } from '../../core/logger.ts';
import type { ObjectBindings } from '../bindings.ts';
import { realtimeFor } from '../realtime/stub.ts';
import { decimateLatency, uptime, type Transition } from './health-intervals.ts';
import { HealthStore } from './health-store.ts';
import { MAX_POINTS } from './metrics-resolution.ts';
import { MetricsStore } from './metrics-store.ts';

const DAY = 86_400_000;
/** A sample or probe stamped further ahead of the control plane's clock than this is refused. */
const FUTURE_SLACK_MS = 5 * 60_000;
const WATCH_KEY = 'watching';

export type WatchKind = 'metrics' | 'logs';
type Watching = Record<WatchKind, boolean>;

/** What telemetry needs of the cluster: which region reports it, its org (for publishing), its size. */
export interface TelemetryCluster {
  id: string;
  orgId: string;
  regionId: string;
  instances: number;
  deleted: boolean;
}

export interface TimeRangeQuery {
  from: Date | string;
  to: Date | string;
}

function ms(value: Date | string): number {
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(t)) throw new Error(`not a time: ${String(value).slice(0, 40)}`);
  return t;
}

/** The sample's time, or null when it is not one or is from the future. */
function reportedAt(at: string, now: number): number | null {
  const t = Date.parse(at);
  return Number.isFinite(t) && t <= now + FUTURE_SLACK_MS ? t : null;
}

export class ClusterTelemetry {
  readonly metrics: MetricsStore;
  readonly health: HealthStore;
  #watching: Watching | null = null;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: ObjectBindings,
  ) {
    this.metrics = new MetricsStore(ctx.storage.sql);
    this.health = new HealthStore(ctx.storage.sql);
  }

  async watching(): Promise<Watching> {
    this.#watching ??= (await this.ctx.storage.get<Watching>(WATCH_KEY)) ?? { metrics: false, logs: false };
    return this.#watching;
  }

  /** Records whether the channel is watched; true when that changed. */
  async setWatching(kind: WatchKind, on: boolean): Promise<boolean> {
    const current = await this.watching();
    if (current[kind] === on) return false;
    this.#watching = { ...current, [kind]: on };
    await this.ctx.storage.put<Watching>(WATCH_KEY, this.#watching);
    return true;
  }

  async recordMetrics(cluster: TelemetryCluster, report: MetricsReport): Promise<void> {
    const parsed = metricsSchema.parse(report);
    const at = reportedAt(parsed.at, Date.now());
    if (at === null) return log('warn', 'metrics sample dropped: bad time', { cluster_id: cluster.id });
    if (!this.metrics.add(Math.floor(at / 1000), parsed.values)) return;
    if ((await this.watching()).metrics) {
      await this.#publishWatched(cluster, [{ type: 'metrics.update', cluster_id: cluster.id, at: new Date(at).toISOString(), values: parsed.values }]);
    }
  }

  async recordHealth(cluster: TelemetryCluster, report: HealthReport): Promise<void> {
    const parsed = healthSchema.parse(report);
    const at = reportedAt(parsed.at, Date.now());
    if (at === null) return log('warn', 'health probe dropped: bad time', { cluster_id: cluster.id });
    this.health.addProbe(at, parsed.ok, parsed.latency_ms);
    if ((await this.watching()).metrics) {
      const { ok, latency_ms, error } = parsed;
      await this.#publishWatched(cluster, [{ type: 'health.probe', cluster_id: cluster.id, at: new Date(at).toISOString(), ok, latency_ms, error }]);
    }
  }

  /**
   * A batch of new log lines, already redacted by the agent: one publish for the whole batch, nothing stored. Returns
   * how many frames went out (0: nobody listens), or null when the publish failed.
   */
  async recordLogs(cluster: TelemetryCluster, report: LogsReport): Promise<number | null> {
    const parsed = logsSchema.parse(report);
    return this.#publish(
      cluster,
      'logs',
      parsed.entries.map((entry) => ({ type: 'log.entry', cluster_id: cluster.id, ...entry })),
    );
  }

  /** What the cluster's status says about probing it, when it says something (waking is still asleep). */
  recordStatus(status: string, at: number): void {
    const state: Transition['state'] | null = status === 'sleeping' ? 'asleep' : status === 'running' ? 'awake' : status === 'deleted' ? 'deleted' : null;
    if (state) this.health.addTransition(at, state);
  }

  /** A deleted cluster's series and probes are never read again: gone with it rather than left in its storage. */
  clear(): void {
    this.metrics.clear();
    this.health.clear();
  }

  readMetrics(
    cluster: Pick<TelemetryCluster, 'id' | 'instances'> | null,
    query: TimeRangeQuery & { stepSeconds: number | null; series: MetricSeries[] },
  ): MetricsResponse {
    const from = ms(query.from);
    const to = ms(query.to);
    const asked = metricSeries.filter((s) => query.series.includes(s));
    const read = this.metrics.read(Math.floor(from / 1000), Math.floor(to / 1000), query.stepSeconds, asked);
    const series = read.series;
    // Replication lag means something only with replicas; a single instance's series is left out unless it has points.
    const lag = series.replication_lag_seconds;
    if (lag && (cluster?.instances ?? 1) <= 1 && lag.every((v) => v === null)) delete series.replication_lag_seconds;
    return {
      cluster_id: cluster?.id ?? '',
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      step_seconds: read.resolution.stepSeconds,
      timestamps: read.timestamps,
      series,
    };
  }

  /** `sleeping`: the cluster's status says it sleeps (counts when no sleep was recorded, as for one asleep since before). */
  readHealth(clusterId: string, query: TimeRangeQuery, sleeping: boolean, now = Date.now()): HealthHistory {
    const from = ms(query.from);
    const to = ms(query.to);
    const interval = OBSERVABILITY_LIMITS.healthIntervalMs;
    // One pass over the last 30 days (or the range, if it reaches further) serves both the range and the uptimes.
    const spanFrom = Math.min(from, now - 30 * DAY);
    const spanTo = Math.min(Math.max(to, now), now);
    const all = this.health.intervals(spanFrom, spanTo, interval, sleeping);
    const end = Math.min(to, now);
    const intervals = all
      .filter((i) => i.to > from && i.from < end)
      .map((i) => ({ state: i.state, from: new Date(Math.max(i.from, from)).toISOString(), to: new Date(Math.min(i.to, end)).toISOString() }));
    const latency = decimateLatency(
      this.health.probes(from, to).map((p) => ({ t: p.t, latency: p.ok ? p.latency : null })),
      MAX_POINTS,
    );
    return {
      cluster_id: clusterId,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      intervals,
      latency: { timestamps: latency.map((p) => Math.floor(p.t / 1000)), values: latency.map((p) => p.latency) },
      uptime: {
        '24h': uptime(all, now - DAY, now),
        '7d': uptime(all, now - 7 * DAY, now),
        '30d': uptime(all, now - 30 * DAY, now),
      },
    };
  }

  /**
   * Publishes on the watched `metrics:` channel. Nobody receiving it means the watch outlived its subscribers (their
   * RealtimeDO restarted without closing them one by one): it ends here, and the next subscriber starts it again.
   */
  async #publishWatched(cluster: TelemetryCluster, events: RealtimeEvent[]): Promise<void> {
    if ((await this.#publish(cluster, 'metrics', events)) === 0) await this.setWatching('metrics', false);
  }

  /** Frames sent, or null when the publish failed. */
  async #publish(cluster: TelemetryCluster, kind: WatchKind, events: RealtimeEvent[]): Promise<number | null> {
    try {
      return await realtimeFor(this.env, cluster.orgId).publishMany([`${kind}:${cluster.id}`], events);
    } catch (error) {
      // Live updates are best effort; the stored series and the agent's log window hold the truth.
      log('warn', 'realtime publish failed', { cluster_id: cluster.id, kind, error: String(error) });
      return null;
    }
  }
}
