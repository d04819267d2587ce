// Two samples of a cluster's counters as the protocol's metric values: rates over the time between them (transactions
// per second, CPU %, the cache hit ratio of the blocks read in between), gauges as the newer sample has them. A series
// that cannot be made (no previous sample, a counter that went back after a restart, no reads at all) is left out.
import type { MetricValues } from '../../protocol/observability.ts';
import type { MetricsSample } from '../drivers/driver.ts';

export interface TimedSample {
  sample: MetricsSample;
  /** A monotonic clock's milliseconds (performance.now()) when it was read. */
  atMs: number;
}

/** The increase of a counter between two samples; null when either lacks it or it went back (statistics reset, restart). */
function increase(previous: number | undefined, current: number | undefined): number | null {
  if (previous === undefined || current === undefined || current < previous) return null;
  return current - previous;
}

export function metricValues(previous: TimedSample | null, current: TimedSample): MetricValues {
  const now = current.sample;
  const values: MetricValues = {};
  const gauges: Array<[keyof MetricValues, number | undefined]> = [
    ['memory_bytes', now.memoryBytes],
    ['connections_active', now.connectionsActive],
    ['connections_idle', now.connectionsIdle],
    ['connections_max', now.connectionsMax],
    ['database_size_bytes', now.databaseSizeBytes],
    ['replication_lag_seconds', now.replicationLagSeconds],
  ];
  for (const [series, value] of gauges) if (value !== undefined && Number.isFinite(value)) values[series] = value;
  // A platform that reports CPU as a rate (cores in use) needs no previous sample.
  if (now.cpuCores !== undefined && Number.isFinite(now.cpuCores)) values.cpu_percent = now.cpuCores * 100;

  const seconds = previous ? (current.atMs - previous.atMs) / 1000 : 0;
  if (!previous || seconds <= 0) return values;
  const before = previous.sample;
  const cpu = increase(before.cpuSeconds, now.cpuSeconds);
  if (values.cpu_percent === undefined && cpu !== null) values.cpu_percent = (cpu / seconds) * 100;
  const transactions = increase(before.xactTotal, now.xactTotal);
  if (transactions !== null) values.transactions_per_second = transactions / seconds;
  const hits = increase(before.blocksHit, now.blocksHit);
  const reads = increase(before.blocksRead, now.blocksRead);
  if (hits !== null && reads !== null && hits + reads > 0) values.cache_hit_ratio = hits / (hits + reads);
  return values;
}
