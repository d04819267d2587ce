// The Metrics page's time ranges and the columnar series it draws: which window and step to ask the API for, and
// how a live sample joins the columns while the window ends at now (the oldest points leave as new ones arrive).
import type { MetricSeries } from '../../../protocol/enums.ts';

export const TIME_RANGES = [
  { key: '1h', label: '1 hour', seconds: 3_600, stepSeconds: 10 },
  { key: '6h', label: '6 hours', seconds: 6 * 3_600, stepSeconds: 60 },
  { key: '24h', label: '24 hours', seconds: 24 * 3_600, stepSeconds: 300 },
  { key: '7d', label: '7 days', seconds: 7 * 86_400, stepSeconds: 3_600 },
  { key: '30d', label: '30 days', seconds: 30 * 86_400, stepSeconds: 4 * 3_600 },
] as const;
export type TimeRangeKey = (typeof TIME_RANGES)[number]['key'];

export function timeRange(key: TimeRangeKey) {
  return TIME_RANGES.find((r) => r.key === key) ?? TIME_RANGES[0];
}

/** The query of GET /v1/clusters/{id}/metrics for a range ending at `now` (ms). */
export function metricsQuery(key: TimeRangeKey, now: number, series?: readonly MetricSeries[]): { from: string; to: string; step: string; series?: string } {
  const range = timeRange(key);
  const to = Math.floor(now / 1000);
  const query: { from: string; to: string; step: string; series?: string } = {
    from: new Date((to - range.seconds) * 1000).toISOString(),
    to: new Date(to * 1000).toISOString(),
    step: String(range.stepSeconds),
  };
  if (series) query.series = series.join(',');
  return query;
}

/** Columns as the API sends them: one timestamp (Unix s) per step, each series' value at it or null. */
export interface SeriesColumns {
  timestamps: number[];
  series: Partial<Record<MetricSeries, (number | null)[]>>;
}

/**
 * The columns with one live sample added at `at` (Unix s), keeping only the last `windowSeconds`. Series the sample
 * does not carry get null at that time; a sample no newer than the last point is ignored (it was already fetched).
 * On a range read in steps coarser than a sample (`stepSeconds`), a sample is added only when it opens a new step, at
 * the step's time, so the chart keeps one resolution: the step's average replaces it at the next read.
 */
export function appendSample(columns: SeriesColumns, sampledAt: number, values: Partial<Record<MetricSeries, number>>, windowSeconds: number, stepSeconds = 0): SeriesColumns {
  const at = stepSeconds > 0 ? Math.floor(sampledAt / stepSeconds) * stepSeconds : sampledAt;
  const last = columns.timestamps[columns.timestamps.length - 1];
  if (last !== undefined && at <= last) return columns;
  const names = new Set([...Object.keys(columns.series), ...Object.keys(values)] as MetricSeries[]);
  const start = columns.timestamps.findIndex((t) => t > at - windowSeconds);
  const keepFrom = start === -1 ? columns.timestamps.length : start;
  const series: SeriesColumns['series'] = {};
  for (const name of names) {
    const old = columns.series[name] ?? columns.timestamps.map(() => null);
    series[name] = [...old.slice(keepFrom), values[name] ?? null];
  }
  return { timestamps: [...columns.timestamps.slice(keepFrom), at], series };
}

/** The newest non-null value of a column, for the text beside a chart. */
export function latestValue(values: readonly (number | null)[] | undefined): number | null {
  if (!values) return null;
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]!;
  return null;
}

/** Minimum, maximum and mean of the non-null values, for a chart's text summary; null when there are none. */
export function summarize(values: readonly (number | null)[] | undefined): { min: number; max: number; mean: number; count: number } | null {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (const v of values ?? []) {
    if (v === null) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    count++;
  }
  return count === 0 ? null : { min, max, mean: sum / count, count };
}

/** Indices of values with no value on either side: a line cannot show them, so charts draw them as dots. */
export function isolatedIndices(values: ArrayLike<number | null | undefined>): number[] {
  const present = (i: number) => values[i] !== null && values[i] !== undefined;
  const found: number[] = [];
  for (let i = 0; i < values.length; i++) if (present(i) && !present(i - 1) && !present(i + 1)) found.push(i);
  return found;
}
