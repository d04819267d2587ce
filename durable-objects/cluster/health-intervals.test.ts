// The health history's rules, without storage: probes and sleep/wake to intervals, uptime, latency decimation.
import { describe, expect, it } from 'vitest';
import { decimateLatency, healthIntervals, uptime, type Probe } from './health-intervals.ts';

const S = 1000;
const EVERY = 30 * S;
const probesOf = (from: number, count: number, ok: boolean): Probe[] => Array.from({ length: count }, (_, i) => ({ t: from + i * EVERY, ok }));

describe('health intervals', () => {
  it('turns probes into up and down, unknown after 2.5 silent intervals, asleep while sleeping whatever was probed', () => {
    const t0 = 1_800_000_000_000;
    // 10 min up, 2 min down, 5 min unheard, then asleep at +20 min, awake at +30 min and up again.
    const probes = [...probesOf(t0, 20, true), ...probesOf(t0 + 10 * 60 * S, 4, false), ...probesOf(t0 + 31 * 60 * S, 20, true)];
    const transitions = [
      { t: t0 + 20 * 60 * S, state: 'asleep' as const },
      { t: t0 + 30 * 60 * S, state: 'awake' as const },
    ];
    const intervals = healthIntervals(probes, transitions, t0, t0 + 40 * 60 * S, EVERY);
    const lastDown = t0 + 10 * 60 * S + 3 * EVERY;
    expect(intervals).toEqual([
      { state: 'up', from: t0, to: t0 + 10 * 60 * S },
      { state: 'down', from: t0 + 10 * 60 * S, to: lastDown + 75 * S },
      { state: 'unknown', from: lastDown + 75 * S, to: t0 + 20 * 60 * S },
      { state: 'asleep', from: t0 + 20 * 60 * S, to: t0 + 30 * 60 * S },
      // Awake but not probed yet: no probe from before the sleep counts.
      { state: 'unknown', from: t0 + 30 * 60 * S, to: t0 + 31 * 60 * S },
      { state: 'up', from: t0 + 31 * 60 * S, to: t0 + 40 * 60 * S },
    ]);
    // Up 19 min, down 2.75 min (four failed probes, the last standing 75 s): asleep and unknown time count for neither.
    expect(uptime(intervals, t0, t0 + 40 * 60 * S)).toBeCloseTo(19 / (19 + 2.75), 6);
    expect(uptime(intervals, t0 + 20 * 60 * S, t0 + 30 * 60 * S)).toBeNull();
  });

  it("counts a probe the agent sent as the cluster woke, before the control plane recorded the wake", () => {
    const t0 = 1_800_000_000_000;
    // Asleep at t0; the agent probes at +10 s as the server runs again; the running status is applied at +10.2 s.
    const transitions = [
      { t: t0, state: 'asleep' as const },
      { t: t0 + 10_200, state: 'awake' as const },
    ];
    expect(healthIntervals([{ t: t0 - 5 * S, ok: true }, { t: t0 + 10 * S, ok: true }], transitions, t0 - 10 * S, t0 + 20 * S, EVERY)).toEqual([
      { state: 'unknown', from: t0 - 10 * S, to: t0 - 5 * S },
      { state: 'up', from: t0 - 5 * S, to: t0 },
      { state: 'asleep', from: t0, to: t0 + 10_200 },
      { state: 'up', from: t0 + 10_200, to: t0 + 20 * S },
    ]);
  });

  it('starts the range from the state before it: a transition and a probe from just before count', () => {
    const t0 = 1_800_000_000_000;
    const from = t0 + 60 * S;
    expect(healthIntervals([{ t: t0 + 50 * S, ok: true }], [], from, from + 10 * S, EVERY)).toEqual([{ state: 'up', from, to: from + 10 * S }]);
    expect(healthIntervals([{ t: t0, ok: true }], [{ t: t0, state: 'asleep' }], from, from + 10 * S, EVERY)).toEqual([
      { state: 'asleep', from, to: from + 10 * S },
    ]);
    expect(healthIntervals([], [], from, from + 10 * S, EVERY)).toEqual([{ state: 'unknown', from, to: from + 10 * S }]);
    expect(healthIntervals([], [{ t: t0, state: 'deleted' }], from, from + 10 * S, EVERY)).toEqual([{ state: 'unknown', from, to: from + 10 * S }]);
  });

  it('decimates latency to at most the cap, averaging successful probes and null where all failed', () => {
    const points = Array.from({ length: 4_000 }, (_, i) => ({ t: i * EVERY, latency: i >= 3_990 ? null : i % 2 === 0 ? 10 : 20 }));
    const out = decimateLatency(points, 1_500);
    expect(out.length).toBeLessThanOrEqual(1_500);
    expect(out.length).toBeGreaterThan(1_400);
    // The first bucket holds three probes: 10, 20, 10 ms.
    expect(out[0]).toEqual({ t: 0, latency: 40 / 3 });
    expect(out.at(-1)!.latency).toBeNull();
    expect(decimateLatency(points.slice(0, 10), 1_500)).toEqual(points.slice(0, 10));
  });
});
