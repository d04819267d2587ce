import { describe, expect, it } from 'vitest';
import { appendSample, isolatedIndices, latestValue, metricsQuery, summarize, TIME_RANGES } from './time-range.ts';

describe('metrics time ranges', () => {
  it('asks for the chosen window ending now, at a step that keeps a few hundred points', () => {
    const now = Date.parse('2026-11-27T12:00:00.500Z');
    expect(metricsQuery('1h', now, ['cpu_percent', 'memory_bytes'])).toEqual({
      from: '2026-11-27T11:00:00.000Z',
      to: '2026-11-27T12:00:00.000Z',
      step: '10',
      series: 'cpu_percent,memory_bytes',
    });
    for (const r of TIME_RANGES) expect(r.seconds / r.stepSeconds).toBeLessThanOrEqual(360);
    expect(metricsQuery('30d', now).from).toBe('2026-10-28T12:00:00.000Z');
  });

  it('appends a live sample as a new column, dropping points that fell out of the window', () => {
    const columns = { timestamps: [100, 110, 120], series: { cpu_percent: [1, null, 3], connections_active: [4, 5, 6] } };
    const next = appendSample(columns, 130, { cpu_percent: 7, transactions_per_second: 2 }, 25);
    expect(next.timestamps).toEqual([110, 120, 130]);
    expect(next.series).toEqual({ cpu_percent: [null, 3, 7], connections_active: [5, 6, null], transactions_per_second: [null, null, 2] });
    // A sample the fetch already had (or an older one) changes nothing.
    expect(appendSample(next, 130, { cpu_percent: 9 }, 25)).toBe(next);
    expect(appendSample({ timestamps: [], series: {} }, 5, { cpu_percent: 1 }, 60)).toEqual({ timestamps: [5], series: { cpu_percent: [1] } });
  });

  it('keeps a coarse range at its step: a sample opens a new step at the step time, later ones in it are left out', () => {
    const hourly = { timestamps: [3600, 7200], series: { cpu_percent: [10, 20] } };
    expect(appendSample(hourly, 7260, { cpu_percent: 99 }, 86_400, 3600)).toBe(hourly);
    const next = appendSample(hourly, 10_810, { cpu_percent: 30 }, 86_400, 3600);
    expect(next).toEqual({ timestamps: [3600, 7200, 10_800], series: { cpu_percent: [10, 20, 30] } });
    expect(appendSample(next, 11_000, { cpu_percent: 40 }, 86_400, 3600)).toBe(next);
  });

  it('reads the newest value and a summary, skipping gaps', () => {
    expect(latestValue([1, 2, null])).toBe(2);
    expect(latestValue([null])).toBeNull();
    expect(latestValue(undefined)).toBeNull();
    expect(summarize([2, null, 4, 6])).toEqual({ min: 2, max: 6, mean: 4, count: 3 });
    expect(summarize([null])).toBeNull();
  });

  it('finds the points a line cannot draw: values with gaps on both sides', () => {
    expect(isolatedIndices([null, 1, null, 2, 3, null, 4])).toEqual([1, 6]);
    expect(isolatedIndices([5])).toEqual([0]);
    expect(isolatedIndices([])).toEqual([]);
  });
});
