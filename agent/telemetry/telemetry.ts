// What the agent tells about each cluster on its own: a metrics sample of every running cluster every 10 s, a health
// probe every 30 s (at once when it starts running, so a wake shows as up within seconds), and, while the control
// plane follows a cluster's log, its new server log lines. Also answers log history reads. Driver-neutral: the
// driver's own metrics and logs when it has them (CloudNativePG's exporter, the pods' logs), else SQL through
// `sqlAccess` and /proc through `resourceUsage`. Every log line leaves redacted (log-parse.ts).
import type { AgentMessage } from '../../protocol/agent.ts';
import { logsRequestSchema, OBSERVABILITY_LIMITS, type LogEntry } from '../../protocol/observability.ts';
import type { z } from 'zod';
import type { ClusterDriver, MetricsSample } from '../drivers/driver.ts';
import { errorMessage, type Logger } from '../log.ts';
import type { HeldCluster } from '../reconciler.ts';
import { RequestFailure } from '../requests/request-failure.ts';
import { failed, probe, type ProbeResult } from './health-probe.ts';
import { atLeast, redactEntry } from './log-parse.ts';
import { metricValues, type TimedSample } from './metrics-sampler.ts';
import { SqlSampler } from './sql-sample.ts';

export interface TelemetryClusters {
  cluster(clusterId: string): HeldCluster | null;
  clusterIds(): string[];
}

export interface TelemetryOptions {
  clusters: TelemetryClusters;
  driver: ClusterDriver;
  send(message: AgentMessage): void;
  log: Logger;
  metricsIntervalMs?: number;
  healthIntervalMs?: number;
}

interface ClusterState {
  sampler: SqlSampler;
  previous: TimedSample | null;
  /** Running at the last look: a cluster found running and not before is probed at once. */
  running: boolean;
  sampling: Promise<void> | null;
  probing: Promise<void> | null;
  /** When its last probe started (performance.now()); 0 before the first. */
  probedAt: number;
  /** The last sampling failure logged, so a cluster failing the same way every 10 s logs it once. */
  lastError: string | null;
}

interface Follow {
  stop(): void;
  /** Batches go out in the order they were read, each after its redaction. */
  sending: Promise<void>;
}

/** The cluster's passwords log lines are redacted with: the current one and those it had before (rotations seen). */
interface KnownPasswords {
  sealed: string;
  passwords: [string, ...string[]];
}

const PASSWORDS_REMEMBERED = 3;

export class Telemetry {
  private readonly states = new Map<string, ClusterState>();
  private readonly follows = new Map<string, Follow>();
  private readonly passwords = new Map<string, KnownPasswords>();
  private metricsTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly metricsIntervalMs: number;
  private readonly healthIntervalMs: number;

  constructor(private readonly options: TelemetryOptions) {
    this.metricsIntervalMs = options.metricsIntervalMs ?? OBSERVABILITY_LIMITS.metricsIntervalMs;
    this.healthIntervalMs = options.healthIntervalMs ?? OBSERVABILITY_LIMITS.healthIntervalMs;
  }

  start(): void {
    if (this.metricsTimer || this.stopped) return;
    this.metricsTimer = setInterval(() => this.sampleAll(), this.metricsIntervalMs);
    this.healthTimer = setInterval(() => this.probeAll(), this.healthIntervalMs);
    this.metricsTimer.unref();
    this.healthTimer.unref();
    this.sampleAll();
  }

  /** Stops the timers, every log follow and the sampling connections; waits for samples and probes under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.metricsTimer = this.healthTimer = null;
    for (const follow of this.follows.values()) follow.stop();
    const sending = [...this.follows.values()].map((follow) => follow.sending);
    this.follows.clear();
    const states = [...this.states.values()];
    this.states.clear();
    await Promise.all([...sending, ...states.map((state) => Promise.all([state.sampling, state.probing]))]);
    await Promise.all(states.map((state) => state.sampler.close()));
  }

  /**
   * The cluster's status changed (the reconciler reported it): a cluster now running is sampled and probed at once,
   * one no longer running lets go of its sampling connection.
   */
  nudge(clusterId: string): void {
    if (this.stopped) return;
    this.look(clusterId, true);
  }

  /** The newest `limit` log entries matching the request, oldest first, redacted. */
  async logHistory(clusterId: string, payload: z.input<typeof logsRequestSchema>): Promise<{ entries: LogEntry[] }> {
    const query = logsRequestSchema.parse(payload);
    const held = this.held(clusterId);
    const { driver } = this.options;
    if (!driver.logHistory) throw new RequestFailure('unsupported', `the ${driver.kind} driver cannot read a cluster's server log`);
    // The whole window is read and filtered here, the same way for every driver.
    const window = await driver.logHistory(clusterId, held.spec, held.record, { since: query.since, limit: OBSERVABILITY_LIMITS.logWindowLines });
    const passwords = await this.passwordsOf(held);
    const search = query.search?.toLowerCase() ?? null;
    const entries: LogEntry[] = [];
    for (let index = window.length - 1; index >= 0 && entries.length < query.limit; index--) {
      const entry = redactEntry(window[index]!, passwords);
      if (query.level && !atLeast(entry.level, query.level)) continue;
      if (search !== null && !entry.message.toLowerCase().includes(search)) continue;
      entries.push(entry);
    }
    return { entries: entries.reverse() };
  }

  /** Starts (true) or stops (false) streaming the cluster's new log lines as `logs` messages; asking twice is harmless. */
  async followLogs(clusterId: string, follow: boolean): Promise<{ following: boolean }> {
    if (!follow) {
      await this.unfollow(clusterId);
      return { following: false };
    }
    if (this.follows.has(clusterId)) return { following: true };
    const held = this.held(clusterId);
    const { driver } = this.options;
    if (!driver.followLogs) throw new RequestFailure('unsupported', `the ${driver.kind} driver cannot follow a cluster's server log`);
    await this.passwordsOf(held);
    if (this.stopped) throw new RequestFailure('internal', 'the agent is shutting down');
    if (this.follows.has(clusterId)) return { following: true };
    const state: Follow = { stop: () => {}, sending: Promise.resolve() };
    this.follows.set(clusterId, state);
    try {
      state.stop = driver.followLogs(clusterId, held.spec, held.record, (entries) => {
        state.sending = state.sending.then(() => this.sendLogs(clusterId, state, entries));
      });
    } catch (error) {
      this.follows.delete(clusterId);
      throw error;
    }
    this.options.log.info('following the server log', { cluster_id: clusterId });
    return { following: true };
  }

  private async unfollow(clusterId: string): Promise<void> {
    const follow = this.follows.get(clusterId);
    if (!follow) return;
    this.follows.delete(clusterId);
    follow.stop();
    await follow.sending;
    this.options.log.info('stopped following the server log', { cluster_id: clusterId });
  }

  private async sendLogs(clusterId: string, follow: Follow, entries: LogEntry[]): Promise<void> {
    if (this.follows.get(clusterId) !== follow || entries.length === 0) return;
    const held = this.options.clusters.cluster(clusterId);
    let passwords: string[];
    try {
      passwords = held ? await this.passwordsOf(held) : (this.passwords.get(clusterId)?.passwords ?? []);
    } catch (error) {
      this.options.log.warn('opening the password failed; log lines held back', { cluster_id: clusterId, error: errorMessage(error) });
      return;
    }
    for (let index = 0; index < entries.length; index += OBSERVABILITY_LIMITS.logBatchMax) {
      const batch = entries
        .slice(index, index + OBSERVABILITY_LIMITS.logBatchMax)
        .map((entry) => redactEntry(entry, passwords));
      this.options.send({ type: 'logs', cluster_id: clusterId, entries: batch });
    }
  }

  /**
   * The cluster's current password first, then the ones before it that this agent saw: lines written before a rotation
   * hold the old one, which is no less secret for being old.
   */
  private async passwordsOf(held: HeldCluster): Promise<[string, ...string[]]> {
    const known = this.passwords.get(held.clusterId);
    if (known?.sealed === held.spec.password_sealed) return known.passwords;
    const current = await held.password();
    const before = (known?.passwords ?? []).filter((password) => password !== current).slice(0, PASSWORDS_REMEMBERED - 1);
    const passwords: [string, ...string[]] = [current, ...before];
    this.passwords.set(held.clusterId, { sealed: held.spec.password_sealed, passwords });
    return passwords;
  }

  private held(clusterId: string): HeldCluster {
    const held = this.options.clusters.cluster(clusterId);
    if (!held) throw new RequestFailure('not_found', `this agent holds no cluster ${clusterId}`);
    return held;
  }

  private state(clusterId: string): ClusterState {
    let state = this.states.get(clusterId);
    if (!state) {
      state = { sampler: new SqlSampler(), previous: null, running: false, sampling: null, probing: null, probedAt: 0, lastError: null };
      this.states.set(clusterId, state);
    }
    return state;
  }

  private sampleAll(): void {
    if (this.stopped) return;
    const held = new Set(this.options.clusters.clusterIds());
    for (const clusterId of held) this.look(clusterId, false);
    // Clusters the agent no longer holds (deleted): their connections and follows go.
    for (const clusterId of this.states.keys()) if (!held.has(clusterId)) this.forget(clusterId);
    for (const clusterId of this.passwords.keys()) if (!held.has(clusterId)) this.passwords.delete(clusterId);
    for (const clusterId of this.follows.keys()) if (!held.has(clusterId)) void this.unfollow(clusterId);
  }

  private probeAll(): void {
    if (this.stopped) return;
    const now = performance.now();
    for (const clusterId of this.options.clusters.clusterIds()) {
      const state = this.states.get(clusterId);
      // One probed moments ago (it just started running) waits for the next round.
      if (state && now - state.probedAt < this.healthIntervalMs / 2) continue;
      if (this.options.clusters.cluster(clusterId)?.running) this.probeCluster(clusterId);
    }
  }

  /** Samples a running cluster (and probes it when it was not running at the last look); lets go of one that is not. */
  private look(clusterId: string, probeNow: boolean): void {
    const held = this.options.clusters.cluster(clusterId);
    if (!held?.running) {
      const state = this.states.get(clusterId);
      if (state?.running) {
        state.running = false;
        state.previous = null;
        void state.sampler.close();
      }
      return;
    }
    const state = this.state(clusterId);
    const started = !state.running;
    state.running = true;
    this.sampleCluster(clusterId);
    if (started || probeNow) this.probeCluster(clusterId);
  }

  private forget(clusterId: string): void {
    const state = this.states.get(clusterId);
    this.states.delete(clusterId);
    if (state) void Promise.resolve(state.sampling).then(() => state.sampler.close());
  }

  private sampleCluster(clusterId: string): void {
    const state = this.state(clusterId);
    if (state.sampling) return;
    state.sampling = this.sample(clusterId, state)
      .then(
        () => {
          state.lastError = null;
        },
        (error: unknown) => {
          const message = errorMessage(error);
          if (message !== state.lastError) this.options.log.warn('sampling metrics failed', { cluster_id: clusterId, error: message });
          state.lastError = message;
          state.previous = null;
        },
      )
      .finally(() => {
        state.sampling = null;
      });
  }

  private async sample(clusterId: string, state: ClusterState): Promise<void> {
    const held = this.options.clusters.cluster(clusterId);
    if (!held?.running) return;
    const { driver } = this.options;
    let sample: MetricsSample | null;
    if (driver.sampleMetrics) {
      sample = await driver.sampleMetrics(clusterId, held.spec, held.record);
    } else {
      const [password] = await this.passwordsOf(held);
      const access = await driver.sqlAccess?.(clusterId, held.spec, password, held.record);
      sample = access ? await state.sampler.sample(access.admin ?? access.app, held.spec.database, access.sharedSession === true) : null;
    }
    if (!sample) return;
    if (sample.cpuSeconds === undefined && sample.cpuCores === undefined && sample.memoryBytes === undefined && driver.resourceUsage) {
      const usage = await driver.resourceUsage(clusterId, held.record);
      if (usage) sample = { ...sample, cpuSeconds: usage.cpuSeconds, memoryBytes: usage.memoryBytes };
    }
    const current: TimedSample = { sample, atMs: performance.now() };
    const values = metricValues(state.previous, current);
    state.previous = current;
    if (this.stopped || !this.states.has(clusterId) || Object.keys(values).length === 0) return;
    this.options.send({ type: 'metrics', cluster_id: clusterId, at: new Date().toISOString(), values });
  }

  private probeCluster(clusterId: string): void {
    const state = this.state(clusterId);
    if (state.probing) return;
    state.probedAt = performance.now();
    state.probing = this.probe(clusterId)
      .catch((error: unknown) => this.options.log.warn('probing failed', { cluster_id: clusterId, error: errorMessage(error) }))
      .finally(() => {
        state.probing = null;
      });
  }

  private async probe(clusterId: string): Promise<void> {
    const held = this.options.clusters.cluster(clusterId);
    // A sleeping cluster is asleep, not down: it is not probed.
    if (!held?.running) return;
    const { driver } = this.options;
    if (!driver.sqlAccess) return;
    const at = new Date().toISOString();
    const passwords = await this.passwordsOf(held);
    let result: ProbeResult;
    try {
      const access = await driver.sqlAccess(clusterId, held.spec, passwords[0], held.record);
      result = access ? await probe(access.app, access.sharedSession === true) : failed('the server is not running', passwords);
    } catch (error) {
      result = failed(errorMessage(error), passwords);
    }
    if (this.stopped) return;
    this.options.send({ type: 'health', cluster_id: clusterId, at, ...result });
  }
}
