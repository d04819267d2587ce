import { describe, expect, test } from 'vitest';
import { metricValues } from './metrics-sampler.ts';

describe('metric values from two samples', () => {
  const first = { atMs: 1_000, sample: { xactTotal: 100, blocksHit: 900, blocksRead: 100, cpuSeconds: 10, memoryBytes: 5e7, connectionsActive: 1, connectionsIdle: 2, connectionsMax: 25, databaseSizeBytes: 8e6 } };

  test('the first sample gives gauges only', () => {
    expect(metricValues(null, first)).toEqual({ memory_bytes: 5e7, connections_active: 1, connections_idle: 2, connections_max: 25, database_size_bytes: 8e6 });
  });

  test('rates over the interval: transactions per second, CPU %, cache hit ratio of the blocks read in between', () => {
    const second = { atMs: 11_000, sample: { ...first.sample, xactTotal: 300, blocksHit: 1_800, blocksRead: 200, cpuSeconds: 12.5, connectionsActive: 3 } };
    const values = metricValues(first, second);
    expect(values.transactions_per_second).toBe(20);
    expect(values.cpu_percent).toBeCloseTo(25);
    expect(values.cache_hit_ratio).toBeCloseTo(0.9);
    expect(values.connections_active).toBe(3);
  });

  test('a counter that went back (restart) or no block reads leave their series out', () => {
    const second = { atMs: 11_000, sample: { ...first.sample, xactTotal: 5, cpuSeconds: 0.2, blocksHit: 900, blocksRead: 100 } };
    const values = metricValues(first, second);
    expect(values).not.toHaveProperty('transactions_per_second');
    expect(values).not.toHaveProperty('cpu_percent');
    expect(values).not.toHaveProperty('cache_hit_ratio');
  });

  test('CPU reported as cores in use is taken as is', () => {
    expect(metricValues(null, { atMs: 0, sample: { cpuCores: 0.5 } }).cpu_percent).toBe(50);
  });

  test('replication lag only when a replica reports one', () => {
    expect(metricValues(null, { atMs: 0, sample: { replicationLagSeconds: 0.25 } })).toEqual({ replication_lag_seconds: 0.25 });
  });
});
