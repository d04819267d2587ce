// The health history bar: the last 24 hours as up, down, asleep and unknown segments (colour and a legend in
// words, each segment titled with its state and times), and the uptime over 24 hours, 7 and 30 days. Read again
// on each health probe the agent reports (every 30 s).
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { HealthState } from '../../../../protocol/enums.ts';
import { Notice } from '../../components/ui.tsx';
import { errorText } from '../../lib/api.ts';
import { observabilityApi, type HealthHistory as History } from '../../lib/observability-api.ts';
import { useRealtime, type RealtimeHandlers } from '../../lib/realtime.ts';
import type { Cluster } from './model.ts';

const DAY_MS = 86_400_000;
const STATE_WORDS: Record<HealthState, string> = { up: 'Up', down: 'Down', asleep: 'Asleep', unknown: 'No data' };

const percent = (share: number | null) => (share === null ? '—' : `${(Math.floor(share * 10_000) / 100).toLocaleString('en', { maximumFractionDigits: 2 })}%`);
const clock = (iso: string) => new Date(iso).toLocaleString('en', { dateStyle: 'short', timeStyle: 'short' });

export function HealthHistory({ cluster }: { cluster: Cluster }) {
  const [history, setHistory] = useState<History | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const to = new Date();
    try {
      setHistory(await observabilityApi.healthHistory(cluster.id, { from: new Date(to.getTime() - DAY_MS).toISOString(), to: to.toISOString() }));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [cluster.id]);

  useEffect(() => void load(), [load]);
  const handlers = useMemo<RealtimeHandlers>(() => ({ 'health.probe': (m) => m.cluster_id === cluster.id && void load() }), [cluster.id, load]);
  useRealtime(cluster.org_id, [`metrics:${cluster.id}`], handlers);

  if (error && !history) return <Notice>Could not load the health history: {error}</Notice>;
  if (!history) return <p className="muted">Loading the health history…</p>;

  const start = Date.parse(history.from);
  const span = Math.max(Date.parse(history.to) - start, 1);
  const shares = new Map<HealthState, number>();
  for (const i of history.intervals) shares.set(i.state, (shares.get(i.state) ?? 0) + (Date.parse(i.to) - Date.parse(i.from)) / span);
  const words = [...shares].map(([state, share]) => `${STATE_WORDS[state]} ${percent(share)}`).join(', ');
  const current = history.intervals[history.intervals.length - 1]?.state ?? 'unknown';

  return (
    <div className="obs-health" data-testid="health-history" data-current={current}>
      <svg className="obs-health-bar" viewBox="0 0 1000 24" preserveAspectRatio="none" role="img" aria-label={`Health over the last 24 hours: ${words || 'no data'}`}>
        <rect className="obs-health-unknown" x="0" y="0" width="1000" height="24" />
        {history.intervals.map((i) => {
          // At least 4 of the bar's 1,000 units, so a minute's outage or a just-created database still shows.
          const w = Math.max(((Date.parse(i.to) - Date.parse(i.from)) / span) * 1000, 4);
          const x = Math.min(((Date.parse(i.from) - start) / span) * 1000, 1000 - w);
          return (
            <rect key={`${i.from}-${i.state}`} className={`obs-health-${i.state}`} x={x.toFixed(2)} y="0" width={w.toFixed(2)} height="24" data-state={i.state}>
              <title>{`${STATE_WORDS[i.state]} from ${clock(i.from)} to ${clock(i.to)}`}</title>
            </rect>
          );
        })}
      </svg>
      <div className="obs-health-axis muted" aria-hidden="true">
        <span>24 hours ago</span>
        <span>Now</span>
      </div>
      <ul className="obs-health-legend">
        {(['up', 'down', 'asleep', 'unknown'] as const).map((state) => (
          <li key={state}>
            <span className={`obs-key obs-key-${state}`} aria-hidden="true" /> {STATE_WORDS[state]}
          </li>
        ))}
      </ul>
      <dl className="obs-uptime" data-testid="uptime">
        {(['24h', '7d', '30d'] as const).map((k) => (
          <div key={k}>
            <dt>Uptime {k === '24h' ? '24 hours' : k === '7d' ? '7 days' : '30 days'}</dt>
            <dd>{percent(history.uptime[k])}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
