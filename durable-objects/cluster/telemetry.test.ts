// A ClusterDO's telemetry through its RPC methods: samples over three days served at each resolution with their
// means, retention, reports of another region dropped; health history from probes and sleep/wake.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { metricSeries } from '../../protocol/enums.ts';
import type { MetricsReport } from '../../protocol/agent.ts';
import { bindings, regionWithAgent, seedRegionCluster } from '../../workers/test/agents.ts';
import { signUp } from '../../workers/test/harness.ts';
import type { ClusterDO } from './cluster-do.ts';
import { clusterObject } from './stub.ts';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

async function regionCluster(over: Parameters<typeof seedRegionCluster>[2] = {}) {
  const ada = await signUp();
  const { regionId } = await regionWithAgent(ada);
  const clusterId = await seedRegionCluster(ada, regionId, over);
  return { ada, regionId, clusterId, stub: clusterObject(bindings, clusterId) };
}

const sample = (clusterId: string, at: number, values: MetricsReport['values']): MetricsReport => ({
  type: 'metrics',
  cluster_id: clusterId,
  at: new Date(at).toISOString(),
  values,
});

/** Runs inside the object: thousands of samples without a round trip each, through the same method the RegionDO calls. */
async function feed(stub: DurableObjectStub<ClusterDO>, regionId: string, reports: MetricsReport[]): Promise<void> {
  await runInDurableObject(stub, async (instance: ClusterDO) => {
    for (const report of reports) await instance.recordMetrics(regionId, report);
  });
}

const rowCounts = (stub: DurableObjectStub<ClusterDO>) =>
  runInDurableObject(stub, (_instance, state) =>
    Object.fromEntries(
      ['metrics_raw', 'metrics_1m', 'metrics_1h'].map((t) => [t, state.storage.sql.exec<{ n: number; oldest: number }>(`SELECT count(*) AS n, min(t) AS oldest FROM ${t}`).one()]),
    ),
  );

describe('ClusterDO metrics', () => {
  it('serves three days of samples from raw points, minute and hour rollups, averaged per step, at most 1,500 points', async () => {
    const { regionId, clusterId, stub } = await regionCluster();
    const now = Date.now();
    const hourStart = Math.floor(now / HOUR) * HOUR;
    const reports: MetricsReport[] = [];
    // Every 5 minutes over three days (older than the last two hours): cpu 50, connections 4.
    for (let t = hourStart - 3 * DAY; t < hourStart - 2 * HOUR; t += 5 * MIN) reports.push(sample(clusterId, t, { cpu_percent: 50, connections_active: 4 }));
    // Every 10 s over the last two hours: cpu alternating 0 and 20, so each minute averages 10.
    let i = 0;
    for (let t = hourStart - 2 * HOUR; t <= now - 10 * S; t += 10 * S, i++) reports.push(sample(clusterId, t, { cpu_percent: i % 2 === 0 ? 0 : 20 }));
    await feed(stub, regionId, reports);

    // The last hour: raw points every 10 s, each as it was sent.
    const hour = await stub.metrics({ from: new Date(hourStart - HOUR), to: new Date(hourStart), stepSeconds: null, series: ['cpu_percent', 'connections_active'] });
    expect(hour).toMatchObject({ cluster_id: clusterId, step_seconds: 10 });
    expect(hour.timestamps).toHaveLength(361);
    expect(hour.timestamps[0]).toBe((hourStart - HOUR) / 1000);
    expect(hour.timestamps[1]! - hour.timestamps[0]!).toBe(10);
    expect(new Set(hour.series.cpu_percent)).toEqual(new Set([0, 20]));
    expect(hour.series.connections_active!.every((v) => v === null)).toBe(true);

    // Two days: past the raw points' 24 h, so minute rollups, at a step raised to keep 1,500 points at most.
    const twoDays = await stub.metrics({ from: new Date(hourStart - 2 * DAY), to: new Date(hourStart), stepSeconds: null, series: ['cpu_percent'] });
    expect(twoDays.step_seconds).toBe(120);
    expect(twoDays.timestamps.length).toBeLessThanOrEqual(1_500);
    expect(twoDays.timestamps.every((t) => t % 120 === 0)).toBe(true);
    const byTime = new Map(twoDays.timestamps.map((t, k) => [t, twoDays.series.cpu_percent![k]]));
    expect(byTime.get((hourStart - 30 * MIN) / 1000)).toBe(10);
    // A 2-minute step holds one 5-minute sample or none: 50 or no data.
    expect(byTime.get((hourStart - DAY) / 1000)).toBe(50);
    expect(byTime.get((hourStart - DAY + 2 * MIN) / 1000)).toBeNull();

    // Hour steps read the hour rollups: an hour days ago is twelve samples of 50; each of the two hours sampled every
    // 10 s averages 10.
    const hourly = await stub.metrics({ from: new Date(hourStart - 3 * DAY), to: new Date(hourStart), stepSeconds: 3_600, series: ['cpu_percent', 'connections_active'] });
    expect(hourly.step_seconds).toBe(3_600);
    expect(hourly.timestamps).toHaveLength(73);
    expect(hourly.series.cpu_percent![10]).toBe(50);
    expect(hourly.series.connections_active![10]).toBe(4);
    expect(hourly.timestamps[70]).toBe((hourStart - 2 * HOUR) / 1000);
    expect(hourly.series.cpu_percent!.slice(70, 72)).toEqual([10, 10]);

    // A step finer than what is kept is raised; replication lag of a single instance with no points is left out.
    const fine = await stub.metrics({ from: new Date(now - 5 * MIN), to: new Date(now), stepSeconds: 1, series: [...metricSeries] });
    expect(fine.step_seconds).toBe(10);
    expect(Object.keys(fine.series)).not.toContain('replication_lag_seconds');
    expect(Object.keys(fine.series)).toContain('cpu_percent');
    // Dates or ISO strings, as the routes send them.
    const asStrings = await stub.metrics({ from: new Date(now - 5 * MIN).toISOString(), to: new Date(now).toISOString(), stepSeconds: null, series: ['cpu_percent'] });
    expect(asStrings.timestamps).toEqual(fine.timestamps);
  });

  it('counts a repeated sample once, keeps each table only as long as its retention, and drops reports of another region', async () => {
    const { regionId, clusterId, stub } = await regionCluster({ instances: 3 });
    const now = Date.now();
    const at = Math.floor(now / MIN) * MIN - 5 * MIN;
    await feed(stub, regionId, [sample(clusterId, at, { cpu_percent: 30, replication_lag_seconds: 0.5 }), sample(clusterId, at, { cpu_percent: 30 })]);
    const minute = await stub.metrics({ from: new Date(at), to: new Date(at + 50 * S), stepSeconds: 60, series: ['cpu_percent', 'replication_lag_seconds'] });
    expect(minute.series).toEqual({ cpu_percent: [30], replication_lag_seconds: [0.5] });
    expect(await runInDurableObject(stub, (_i, state) => state.storage.sql.exec<{ n: number }>('SELECT cpu_percent_n AS n FROM metrics_1m').one().n)).toBe(1);
    // A sample between two steps' times falls in the step it started in.
    await feed(stub, regionId, [sample(clusterId, at + 13 * S, { cpu_percent: 40 })]);
    const tens = await stub.metrics({ from: new Date(at), to: new Date(at + 25 * S), stepSeconds: null, series: ['cpu_percent'] });
    expect(tens.series.cpu_percent).toEqual([30, 40, null]);

    // Another region's agent cannot write this cluster's series.
    const other = await regionWithAgent((await signUp()));
    await feed(stub, other.regionId, [sample(clusterId, at + 10 * S, { cpu_percent: 99 })]);
    expect((await rowCounts(stub)).metrics_raw!.n).toBe(2);

    // 2 days, 8 days and 91 days old, then a prune as of now.
    const old = [2 * DAY, 8 * DAY, 91 * DAY].map((age) => sample(clusterId, now - age, { cpu_percent: 1 }));
    await feed(stub, regionId, old);
    await runInDurableObject(stub, (instance) => (instance as unknown as { telemetry: { metrics: { prune(now: number): void } } }).telemetry.metrics.prune(Date.now()));
    const counts = await rowCounts(stub);
    expect(counts.metrics_raw).toEqual({ n: 2, oldest: at / 1000 });
    expect(counts.metrics_1m!.n).toBe(2);
    expect(counts.metrics_1h!.n).toBe(3);
    expect(counts.metrics_1h!.oldest).toBeGreaterThan((now - 90 * DAY) / 1000);
    // With three instances, replication lag is a series even where it has no points.
    const lag = await stub.metrics({ from: new Date(now - 10 * DAY), to: new Date(now), stepSeconds: null, series: ['replication_lag_seconds'] });
    expect(Object.keys(lag.series)).toEqual(['replication_lag_seconds']);
  });
});

describe('ClusterDO health history', () => {
  it('builds up, down, unknown and asleep from probes and a sleep report, with latency and uptime', async () => {
    const { regionId, clusterId, stub } = await regionCluster({ generation: 1, desiredState: 'sleeping' });
    const now = Date.now();
    const start = now - 30 * MIN;
    const probes: Array<{ at: number; ok: boolean }> = [];
    // 10 min up, 5 min down, 10 min unheard, then two probes up.
    for (let t = start; t < start + 10 * MIN; t += 30 * S) probes.push({ at: t, ok: true });
    for (let t = start + 10 * MIN; t < start + 15 * MIN; t += 30 * S) probes.push({ at: t, ok: false });
    probes.push({ at: now - 5 * MIN, ok: true }, { at: now - 4.5 * MIN, ok: true });
    for (const p of probes) {
      await stub.recordHealth(regionId, {
        type: 'health',
        cluster_id: clusterId,
        at: new Date(p.at).toISOString(),
        ok: p.ok,
        latency_ms: p.ok ? 4 : null,
        error: p.ok ? null : 'connection refused',
      });
    }
    // The region reports the cluster asleep: asleep from then on, probes or not.
    await stub.report(regionId, {
      type: 'status',
      cluster_id: clusterId,
      observed_generation: 1,
      phase: 'sleeping',
      ready_instances: 0,
      instances: 1,
      endpoint: null,
      message: '',
      at: new Date().toISOString(),
    });
    const history = await stub.healthHistory({ from: new Date(start), to: new Date(Date.now() + 1) });
    expect(history.cluster_id).toBe(clusterId);
    const states = history.intervals.map((i) => i.state);
    expect(states).toEqual(['up', 'down', 'unknown', 'up', 'unknown', 'asleep']);
    expect(history.intervals[0]!.from).toBe(new Date(start).toISOString());
    expect(Date.parse(history.intervals[1]!.from) - start).toBe(10 * MIN);
    // The last failed probe stands for 75 s.
    expect(Date.parse(history.intervals[2]!.from) - start).toBe(14.5 * MIN + 75 * S);
    expect(history.latency.timestamps).toHaveLength(probes.length);
    expect(history.latency.values.filter((v) => v === null)).toHaveLength(10);
    expect(history.latency.values[0]).toBe(4);
    // Up: 10 min + 2 probes' worth (30 s, then 75 s); down: 4.5 min + 75 s.
    const up = 10 * MIN + 30 * S + 75 * S;
    const down = 4.5 * MIN + 75 * S;
    for (const window of ['24h', '7d', '30d'] as const) expect(history.uptime[window]).toBeCloseTo(up / (up + down), 3);

    // A cluster never probed has no uptime.
    const fresh = await regionCluster();
    const empty = await fresh.stub.healthHistory({ from: new Date(now - HOUR), to: new Date(now) });
    // Named by its id even before it holds a snapshot of its cluster.
    expect(empty.cluster_id).toBe(fresh.clusterId);
    expect((await fresh.stub.metrics({ from: new Date(now - HOUR), to: new Date(now), stepSeconds: null, series: ['cpu_percent'] })).cluster_id).toBe(fresh.clusterId);
    expect(empty.uptime).toEqual({ '24h': null, '7d': null, '30d': null });
    expect(empty.intervals.map((i) => i.state)).toEqual(['unknown']);
  });

  it('counts a cluster asleep since before sleep was recorded as asleep', async () => {
    const { regionId, clusterId, stub } = await regionCluster({ status: 'sleeping' });
    const now = Date.now();
    await stub.recordHealth(regionId, { type: 'health', cluster_id: clusterId, at: new Date(now - 2 * HOUR).toISOString(), ok: true, latency_ms: 2, error: null });
    const history = await stub.healthHistory({ from: new Date(now - HOUR), to: new Date(now) });
    expect(history.intervals.map((i) => i.state)).toEqual(['asleep']);
    // When it fell asleep is not known: the whole span is taken as asleep, so nothing counts towards uptime.
    expect(history.uptime['24h']).toBeNull();
  });

  it("deletes a cluster's series and probes when its region confirms the deletion, and takes no more", async () => {
    const { regionId, clusterId, stub } = await regionCluster({ generation: 1, desiredState: 'deleted', status: 'deleting' });
    const now = Date.now();
    await feed(stub, regionId, [sample(clusterId, now - MIN, { cpu_percent: 3 })]);
    await stub.recordHealth(regionId, { type: 'health', cluster_id: clusterId, at: new Date(now - MIN).toISOString(), ok: true, latency_ms: 1, error: null });
    expect((await rowCounts(stub)).metrics_raw!.n).toBe(1);
    const status = { type: 'status', cluster_id: clusterId, observed_generation: 1, phase: 'deleted', ready_instances: 0, instances: 1, endpoint: null, message: '' } as const;
    await stub.report(regionId, { ...status, at: new Date().toISOString() });
    await feed(stub, regionId, [sample(clusterId, now, { cpu_percent: 3 })]);
    const counts = await rowCounts(stub);
    expect([counts.metrics_raw!.n, counts.metrics_1m!.n, counts.metrics_1h!.n]).toEqual([0, 0, 0]);
    const probes = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM health_probes').one().n);
    expect(probes).toBe(0);
  });
});
