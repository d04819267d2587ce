// The Overview's monitoring card: sparklines of CPU, active connections and transactions per second over the last
// hour, and the health history. Loaded after the page (lazily), so the first load carries none of it.
import type { MetricSeries } from '../../../../protocol/enums.ts';
import { HealthHistory } from './HealthHistory.tsx';
import { formats } from './metric-charts.ts';
import { Sparkline } from './Sparkline.tsx';
import { useMetrics } from './use-metrics.ts';
import type { Cluster } from './model.ts';

const SPARK_SERIES: MetricSeries[] = ['cpu_percent', 'connections_active', 'transactions_per_second'];

export function OverviewMonitoring({ cluster, onGoToMetrics }: { cluster: Cluster; onGoToMetrics: () => void }) {
  const { columns, error } = useMetrics(cluster, '1h', SPARK_SERIES);
  const values = (s: MetricSeries) => columns?.series[s] ?? [];
  return (
    <section className="card obs-monitoring" aria-labelledby="monitoring-heading" data-testid="overview-monitoring">
      <div className="obs-monitoring-head">
        <h2 id="monitoring-heading">Monitoring</h2>
        <button type="button" className="btn btn-small" onClick={onGoToMetrics}>
          All metrics
        </button>
      </div>
      {error ? <p className="muted">Metrics are not available: {error}</p> : null}
      <div className="obs-sparks">
        <Sparkline label="CPU" values={values('cpu_percent')} format={formats.percent} testId="spark-cpu" />
        <Sparkline label="Active connections" values={values('connections_active')} format={formats.count} testId="spark-connections" />
        <Sparkline label="Transactions" values={values('transactions_per_second')} format={formats.perSecond} testId="spark-tps" />
      </div>
      <h3 className="obs-subheading">Health, last 24 hours</h3>
      <HealthHistory cluster={cluster} />
    </section>
  );
}
