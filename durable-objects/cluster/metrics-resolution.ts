// Which stored resolution serves a metrics read, and at what step. Points are kept three ways: raw (every 10 s,
// 24 h), 1-minute and 1-hour rollups (7 d and 90 d). A read is served from the finest table that still holds its
// start; its step is the one asked for, at least that table's resolution, raised so that no series has more than
// MAX_POINTS points, and read from a coarser rollup when the step is a whole number of them (fewer rows, same means).

export const MAX_POINTS = 1_500;

export const METRIC_TABLES = [
  { name: 'metrics_raw', seconds: 10, retentionSeconds: 86_400 },
  { name: 'metrics_1m', seconds: 60, retentionSeconds: 7 * 86_400 },
  { name: 'metrics_1h', seconds: 3_600, retentionSeconds: 90 * 86_400 },
] as const;
export type MetricTable = (typeof METRIC_TABLES)[number];

export interface Resolution {
  table: MetricTable;
  stepSeconds: number;
  /** The first point's time: `from` rounded down to the step (Unix seconds). */
  start: number;
  /** How many points, the last at or before `to`. */
  count: number;
}

/** `from`, `to` and `now` in Unix seconds. */
export function resolution(from: number, to: number, stepSeconds: number | null, now: number): Resolution {
  const finest = METRIC_TABLES.find((t) => from >= now - t.retentionSeconds) ?? METRIC_TABLES[2];
  let step = Math.max(Math.trunc(stepSeconds ?? finest.seconds), finest.seconds);
  const count = (s: number) => Math.floor((to - Math.floor(from / s) * s) / s) + 1;
  if (count(step) > MAX_POINTS) {
    // The smallest multiple of the table's resolution that fits (alignment can add one point: checked after).
    step = Math.ceil((to - from) / (MAX_POINTS - 1) / finest.seconds) * finest.seconds;
    for (let i = 0; i < 4 && count(step) > MAX_POINTS; i++) step += finest.seconds;
  }
  const coarser = METRIC_TABLES.filter((t) => t.seconds >= finest.seconds && step % t.seconds === 0).at(-1) ?? finest;
  const start = Math.floor(from / step) * step;
  return { table: coarser, stepSeconds: step, start, count: Math.max(0, count(step)) };
}
