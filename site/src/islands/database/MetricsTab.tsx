// The Metrics tab: a time range (1 hour to 30 days, ending now) and a chart per measure (CPU, memory, connections,
// transactions per second, cache hit ratio, database size, and replication lag with replicas), new samples drawn
// as they arrive.
import { useState } from 'react';
import { Notice, Spinner } from '../../components/ui.tsx';
import { TIME_RANGES, type TimeRangeKey } from '../../lib/time-range.ts';
import { METRIC_CHARTS, REPLICATION_CHART, type ChartSpec } from './metric-charts.ts';
import { TimeSeriesChart } from './TimeSeriesChart.tsx';
import { useMetrics } from './use-metrics.ts';
import type { Cluster } from './model.ts';

export function MetricsTab({ cluster }: { cluster: Cluster }) {
  const [rangeKey, setRangeKey] = useState<TimeRangeKey>('1h');
  const { columns, error } = useMetrics(cluster, rangeKey);
  const charts: ChartSpec[] = cluster.instances > 1 || columns?.series.replication_lag_seconds ? [...METRIC_CHARTS, REPLICATION_CHART] : METRIC_CHARTS;

  return (
    <div className="obs-tab" data-testid="metrics-tab">
      <div className="obs-toolbar">
        <fieldset className="db-formats obs-range">
          <legend>Time range</legend>
          <div className="db-segmented">
            {TIME_RANGES.map((r) => (
              <label key={r.key} className="db-segment">
                <input type="radio" name={`range-${cluster.id}`} value={r.key} checked={rangeKey === r.key} onChange={() => setRangeKey(r.key)} />
                <span>{r.label}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <p className="muted obs-note">Sampled every 10 seconds; the charts follow new samples live.</p>
      </div>
      {error ? <Notice>Could not load the metrics: {error}</Notice> : null}
      {!columns && !error ? <Spinner label="Loading metrics…" /> : null}
      {columns ? (
        <div className="obs-charts">
          {charts.map((c) => (
            <TimeSeriesChart
              key={c.key}
              testId={`chart-${c.key}`}
              title={c.title}
              timestamps={columns.timestamps}
              lines={c.lines.map((l) => ({ label: l.label, color: l.color, values: columns.series[l.series] ?? columns.timestamps.map(() => null) }))}
              format={c.format}
              range={c.range}
            />
          ))}
        </div>
      ) : null}
    </div>
  );
}
