// One time-series chart (uPlot on a canvas), with what a screen reader and a glance need as text beside it: each
// line's current value, and a summary (range, minimum, maximum) as the figure's accessible name.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { isolatedIndices, latestValue, summarize } from '../../lib/time-range.ts';
import { CHART_COLORS } from './metric-charts.ts';

export interface ChartLine {
  label: string;
  values: (number | null)[];
  /** A token colour (global.css); canvases cannot read CSS variables, so the hex is passed. */
  color: string;
}

interface Props {
  title: string;
  timestamps: number[];
  lines: ChartLine[];
  format: (value: number) => string;
  /** Fixed bounds of the value axis (a ratio is 0..1); by default it fits the data, from 0. */
  range?: [number, number];
  height?: number;
  testId?: string;
}

const AXIS = '#a1a1aa';
const GRID = '#27272a';

export function TimeSeriesChart({ title, timestamps, lines, format, range, height = 180, testId }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = lines.map((l) => l.label).join('|');
  const formatRef = useRef(format);
  formatRef.current = format;

  const data = [timestamps, ...lines.map((l) => l.values)] as uPlot.AlignedData;

  // The plot is built once per set of lines; new points only replace its data.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const options: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: range ? () => range : (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: AXIS, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 } },
        { stroke: AXIS, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 }, size: 64, values: (_u, splits) => splits.map((v) => formatRef.current(v)) },
      ],
      // Points alone between gaps (a database's first samples) would be invisible as a line: they get a dot.
      series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 1.5, points: { show: true, size: 5, fill: l.color, filter: (u: uPlot, i: number) => isolatedIndices(u.data[i] ?? []) } }))],
    };
    const chart = new uPlot(options, data, el);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 200), height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // `data` is applied by the effect below; rebuilding here on each point would drop the canvas every 10 s.
  }, [shape, height, range?.[0], range?.[1]]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  const points = timestamps.length;
  const summary = lines
    .map((l) => {
      const s = summarize(l.values);
      return s ? `${l.label}: now ${formatOrDash(latestValue(l.values), format)}, min ${format(s.min)}, max ${format(s.max)}` : `${l.label}: no data`;
    })
    .join('; ');
  const first = timestamps[0];
  const last = timestamps[points - 1];
  const span = first !== undefined && last !== undefined ? ` from ${clock(first)} to ${clock(last)}` : '';

  return (
    <figure className="obs-chart card" aria-label={`${title}${span}. ${summary}`} data-testid={testId} data-points={lines.reduce((n, l) => n + l.values.filter((v) => v !== null).length, 0)}>
      <figcaption className="obs-chart-head">
        <h3>{title}</h3>
        <ul className="obs-chart-values">
          {lines.map((l) => (
            <li key={l.label} data-series={l.label}>
              <span className={`obs-swatch obs-swatch-${swatchClass(l.color)}`} aria-hidden="true" />
              {lines.length > 1 ? <span className="muted">{l.label} </span> : null}
              <strong>{formatOrDash(latestValue(l.values), format)}</strong>
            </li>
          ))}
        </ul>
      </figcaption>
      <div ref={box} className="obs-chart-canvas" aria-hidden="true" />
      {points === 0 ? <p className="muted obs-chart-empty">No samples in this range yet.</p> : null}
    </figure>
  );
}

function formatOrDash(value: number | null, format: (v: number) => string): string {
  return value === null ? '—' : format(value);
}

function clock(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString('en', { dateStyle: 'short', timeStyle: 'short' });
}

function swatchClass(color: string): string {
  return Object.entries(CHART_COLORS).find(([, hex]) => hex === color)?.[0] ?? 'grey';
}
