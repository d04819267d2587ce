// Which table and step serve a metrics read.
import { describe, expect, it } from 'vitest';
import { MAX_POINTS, resolution } from './metrics-resolution.ts';

const now = 1_800_000_000;
const H = 3_600;
const D = 86_400;

describe('metrics resolution', () => {
  it('serves an hour from raw points every 10 s, aligned to the step', () => {
    const r = resolution(now - H + 3, now, null, now);
    expect(r).toMatchObject({ table: { name: 'metrics_raw' }, stepSeconds: 10 });
    expect(r.start % 10).toBe(0);
    expect(r.start).toBeLessThanOrEqual(now - H + 3);
    expect(r.start + (r.count - 1) * 10).toBeLessThanOrEqual(now);
    expect(r.count).toBe(361);
  });

  it('raises a step finer than what is kept, and one that would give more than the cap', () => {
    expect(resolution(now - H, now, 1, now).stepSeconds).toBe(10);
    // 24 h at 10 s would be 8,640 points.
    const day = resolution(now - D + 60, now, null, now);
    expect(day.count).toBeLessThanOrEqual(MAX_POINTS);
    expect(day.stepSeconds).toBe(60);
    // A whole number of minutes is read from the minute rollups: the same means from fewer rows.
    expect(day.table.name).toBe('metrics_1m');
  });

  it('uses 1 min rollups past a day and 1 h rollups past a week, and the coarsest whose unit divides the step', () => {
    const twoDays = resolution(now - 2 * D, now, null, now);
    expect(twoDays).toMatchObject({ table: { name: 'metrics_1m' }, stepSeconds: 120 });
    expect(twoDays.count).toBeLessThanOrEqual(MAX_POINTS);
    expect(resolution(now - 10 * D, now, null, now)).toMatchObject({ table: { name: 'metrics_1h' }, stepSeconds: 3_600, count: 241 });
    expect(resolution(now - 89 * D, now, null, now)).toMatchObject({ table: { name: 'metrics_1h' }, stepSeconds: 7_200 });
    expect(resolution(now - H, now, 3_600, now)).toMatchObject({ table: { name: 'metrics_1h' }, stepSeconds: 3_600 });
    expect(resolution(now - H, now, 300, now)).toMatchObject({ table: { name: 'metrics_1m' }, stepSeconds: 300 });
    expect(resolution(now - H, now, 45, now)).toMatchObject({ table: { name: 'metrics_raw' }, stepSeconds: 45 });
    // A minute step over two days is 2,880 points: raised.
    expect(resolution(now - 2 * D, now, 60, now).stepSeconds).toBe(120);
  });
});
