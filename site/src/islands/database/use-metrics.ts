// A cluster's metric columns over a range ending now: read from GET /metrics when the range changes, then each
// `metrics.update` on `metrics:{id}` appended live at the range's step (the oldest points leaving the window). While the socket is
// down the range is read again every few seconds instead.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { MetricSeries } from '../../../../protocol/enums.ts';
import { errorText } from '../../lib/api.ts';
import { observabilityApi } from '../../lib/observability-api.ts';
import { useRealtime, type RealtimeHandlers } from '../../lib/realtime.ts';
import { appendSample, metricsQuery, timeRange, type SeriesColumns, type TimeRangeKey } from '../../lib/time-range.ts';
import type { Cluster } from './model.ts';

export function useMetrics(cluster: Cluster, rangeKey: TimeRangeKey, series?: readonly MetricSeries[]) {
  const [columns, setColumns] = useState<SeriesColumns | null>(null);
  // The step the range was read in: live samples keep to it (a 30-day range is not filled with 10 s points).
  const step = useRef(0);
  const [error, setError] = useState<string | null>(null);
  const seriesKey = series?.join(',') ?? '';
  const generation = useRef(0);

  const load = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const res = await observabilityApi.metrics(cluster.id, metricsQuery(rangeKey, Date.now(), seriesKey ? (seriesKey.split(',') as MetricSeries[]) : undefined));
      // A slower answer for a range no longer shown must not replace the current one.
      if (mine !== generation.current) return;
      step.current = res.step_seconds;
      setColumns({ timestamps: res.timestamps, series: res.series });
      setError(null);
    } catch (e) {
      if (mine === generation.current) setError(errorText(e));
    }
  }, [cluster.id, rangeKey, seriesKey]);

  useEffect(() => {
    setColumns(null);
    void load();
  }, [load]);

  const handlers = useMemo<RealtimeHandlers>(
    () => ({
      'metrics.update': (message) => {
        if (message.cluster_id !== cluster.id) return;
        const wanted = seriesKey ? Object.fromEntries(Object.entries(message.values).filter(([k]) => seriesKey.split(',').includes(k))) : message.values;
        setColumns((current) => appendSample(current ?? { timestamps: [], series: {} }, Math.floor(Date.parse(message.at) / 1000), wanted, timeRange(rangeKey).seconds, step.current));
      },
    }),
    [cluster.id, rangeKey, seriesKey],
  );
  const live = cluster.status !== 'deleted';
  useRealtime(live ? cluster.org_id : null, live ? [`metrics:${cluster.id}`] : [], handlers, load);

  return { columns, error, reload: load };
}
