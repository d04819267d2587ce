// A cluster's health over time, from what was recorded: its probes (ok or not, every healthIntervalMs while it runs)
// and its sleep/wake transitions. Pure, so the rules are tested without storage:
// - asleep from a `sleeping` status until it runs again, whatever the probes say (none come while it sleeps);
// - otherwise each probe's outcome (ok: up, failed: down) holds until the next probe, for at most 2.5 probe
//   intervals; after that, unheard is `unknown` (the agent was away);
// - after its deletion, nothing is known.
import type { HealthState } from '../../protocol/enums.ts';

export interface Probe {
  /** Unix ms. */
  t: number;
  ok: boolean;
}

/** What the cluster's status said about probing it, from `t` (Unix ms) on. */
export type Transition = { t: number; state: 'awake' | 'asleep' | 'deleted' };

export interface Interval {
  state: HealthState;
  from: number;
  to: number;
}

/** How long a probe's outcome stands without another, in probe intervals. */
export const PROBE_VALIDITY_INTERVALS = 2.5;

/**
 * The intervals over [from, to], oldest first, adjacent ones of one state merged. `probes` and `transitions` are
 * ordered by time; transitions before `from` count (the latest says how the range starts), and so do probes up to
 * one validity span before it.
 */
export function healthIntervals(probes: Probe[], transitions: Transition[], from: number, to: number, probeIntervalMs: number): Interval[] {
  if (to <= from) return [];
  const validity = probeIntervalMs * PROBE_VALIDITY_INTERVALS;
  // Every instant where the state may change.
  const points = new Set<number>([from]);
  for (const p of probes) {
    if (p.t > from && p.t < to) points.add(p.t);
    if (p.t + validity > from && p.t + validity < to) points.add(p.t + validity);
  }
  for (const tr of transitions) if (tr.t > from && tr.t < to) points.add(tr.t);
  const starts = [...points].sort((a, b) => a - b);

  const out: Interval[] = [];
  let probe = -1; // index of the latest probe at or before the current instant
  let transition = -1;
  for (let i = 0; i < starts.length; i++) {
    const at = starts[i]!;
    while (probe + 1 < probes.length && probes[probe + 1]!.t <= at) probe += 1;
    while (transition + 1 < transitions.length && transitions[transition + 1]!.t <= at) transition += 1;
    const status = transition >= 0 ? transitions[transition]!.state : 'awake';
    const last = probe >= 0 ? probes[probe]! : null;
    let state: HealthState;
    if (status === 'asleep') state = 'asleep';
    else if (status === 'deleted') state = 'unknown';
    // A probe from before the cluster last slept says nothing about the awake cluster. One from between its sleep and
    // the wake being recorded does: the agent probes a cluster the moment it runs again, which is often before the
    // control plane has applied the status that says so.
    else if (last && at - last.t < validity && last.t >= sleptAt(transitions, transition)) state = last.ok ? 'up' : 'down';
    else state = 'unknown';
    const end = starts[i + 1] ?? to;
    const previous = out.at(-1);
    if (previous && previous.state === state) previous.to = end;
    else out.push({ state, from: at, to: end });
  }
  return out;
}

/** When the newest sleep or deletion up to transitions[upTo] began (-Infinity: never). */
function sleptAt(transitions: Transition[], upTo: number): number {
  for (let i = upTo; i >= 0; i--) if (transitions[i]!.state !== 'awake') return transitions[i]!.t;
  return -Infinity;
}

/** Up time over up plus down time within [from, to]; null when none of it was probed. */
export function uptime(intervals: Interval[], from: number, to: number): number | null {
  let up = 0;
  let down = 0;
  for (const i of intervals) {
    const span = Math.min(i.to, to) - Math.max(i.from, from);
    if (span <= 0) continue;
    if (i.state === 'up') up += span;
    else if (i.state === 'down') down += span;
  }
  return up + down === 0 ? null : up / (up + down);
}

/**
 * At most `max` points of a latency series: with more, the range is cut in `max` equal buckets, each giving the mean
 * of its successful probes at the bucket's first probe time (null when every probe in it failed).
 */
export function decimateLatency(points: Array<{ t: number; latency: number | null }>, max: number): Array<{ t: number; latency: number | null }> {
  if (points.length <= max) return points;
  const first = points[0]!.t;
  const span = points.at(-1)!.t - first + 1;
  const out: Array<{ t: number; latency: number | null }> = [];
  let bucket = -1;
  let sum = 0;
  let n = 0;
  const flush = () => {
    if (out.length > 0) out[out.length - 1]!.latency = n > 0 ? sum / n : null;
  };
  for (const p of points) {
    const b = Math.floor(((p.t - first) * max) / span);
    if (b !== bucket) {
      flush();
      bucket = b;
      sum = 0;
      n = 0;
      out.push({ t: p.t, latency: null });
    }
    if (p.latency !== null) {
      sum += p.latency;
      n += 1;
    }
  }
  flush();
  return out;
}
