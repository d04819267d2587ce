// What each metric is called and how its values read, shared by the Metrics tab's charts and the Overview's
// sparklines.
import type { MetricSeries } from '../../../../protocol/enums.ts';
import { bytes } from '../../lib/format.ts';

/** The chart palette (token colours; canvases cannot read CSS variables), matched by swatch classes in observability.css. */
export const CHART_COLORS = { blue: '#3b82f6', green: '#22c55e', amber: '#f59e0b', violet: '#a78bfa', grey: '#a1a1aa' } as const;

const number = (digits: number) => (v: number) => v.toLocaleString('en', { maximumFractionDigits: digits });

export const formats = {
  percent: (v: number) => `${number(1)(v)}%`,
  ratio: (v: number) => `${number(1)(v * 100)}%`,
  bytes: (v: number) => bytes(Math.round(v)),
  count: number(0),
  perSecond: (v: number) => `${number(v < 10 ? 2 : 0)(v)}/s`,
  seconds: (v: number) => `${number(2)(v)} s`,
};

export interface ChartSpec {
  key: string;
  title: string;
  lines: Array<{ series: MetricSeries; label: string; color: string }>;
  format: (v: number) => string;
  range?: [number, number];
}

export const METRIC_CHARTS: ChartSpec[] = [
  { key: 'cpu', title: 'CPU', lines: [{ series: 'cpu_percent', label: 'CPU', color: CHART_COLORS.blue }], format: formats.percent },
  { key: 'memory', title: 'Memory', lines: [{ series: 'memory_bytes', label: 'Memory', color: CHART_COLORS.violet }], format: formats.bytes },
  {
    key: 'connections',
    title: 'Connections',
    lines: [
      { series: 'connections_active', label: 'Active', color: CHART_COLORS.green },
      { series: 'connections_idle', label: 'Idle', color: CHART_COLORS.blue },
      { series: 'connections_max', label: 'Max', color: CHART_COLORS.grey },
    ],
    format: formats.count,
  },
  { key: 'tps', title: 'Transactions per second', lines: [{ series: 'transactions_per_second', label: 'Transactions', color: CHART_COLORS.amber }], format: formats.perSecond },
  { key: 'cache', title: 'Cache hit ratio', lines: [{ series: 'cache_hit_ratio', label: 'Cache hits', color: CHART_COLORS.green }], format: formats.ratio, range: [0, 1] },
  { key: 'size', title: 'Database size', lines: [{ series: 'database_size_bytes', label: 'Size', color: CHART_COLORS.violet }], format: formats.bytes },
];

export const REPLICATION_CHART: ChartSpec = {
  key: 'replication',
  title: 'Replication lag',
  lines: [{ series: 'replication_lag_seconds', label: 'Lag', color: CHART_COLORS.amber }],
  format: formats.seconds,
};
