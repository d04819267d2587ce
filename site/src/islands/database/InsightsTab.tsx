// The Insights tab: the statements that cost the most (pg_stat_statements), ordered by total time, calls or mean
// time, with rows and cache hits; those who may run SQL can reset the statistics.
import { useCallback, useEffect, useState } from 'react';
import { insightOrders } from '../../../../protocol/enums.ts';
import { Notice, Spinner } from '../../components/ui.tsx';
import { errorText } from '../../lib/api.ts';
import { dateTime } from '../../lib/format.ts';
import { observabilityApi, type InsightOrder, type InsightsResult } from '../../lib/observability-api.ts';
import { canQuery } from '../../lib/sql-console.ts';
import type { Cluster, Role } from './model.ts';

const ORDER_WORDS: Record<InsightOrder, string> = { total_time: 'Total time', calls: 'Calls', mean_time: 'Mean time' };
/** Characters of a statement shown before it is opened. */
const STATEMENT_PREVIEW = 160;
const ms = (v: number) => `${v.toLocaleString('en', { maximumFractionDigits: v < 10 ? 2 : 0 })} ms`;

export function InsightsTab({ cluster, role }: { cluster: Cluster; role: Role | null }) {
  const [order, setOrder] = useState<InsightOrder>('total_time');
  const [insights, setInsights] = useState<InsightsResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const running = cluster.status === 'running';

  const load = useCallback(async () => {
    setBusy(true);
    try {
      setInsights(await observabilityApi.insights(cluster.id, order));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }, [cluster.id, order]);

  useEffect(() => {
    if (running) void load();
  }, [running, load]);

  async function reset() {
    setBusy(true);
    try {
      await observabilityApi.resetInsights(cluster.id);
      await load();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  }

  return (
    <div className="obs-tab" data-testid="insights-tab">
      <div className="obs-toolbar">
        <fieldset className="db-formats">
          <legend>Order by</legend>
          <div className="db-segmented">
            {insightOrders.map((o) => (
              <label key={o} className="db-segment">
                <input type="radio" name={`order-${cluster.id}`} value={o} checked={order === o} onChange={() => setOrder(o)} />
                <span>{ORDER_WORDS[o]}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <div className="obs-actions">
          <button type="button" className="btn" onClick={() => void load()} disabled={busy || !running} data-testid="insights-refresh">
            Refresh
          </button>
          {canQuery(role) ? (
            <button type="button" className="btn" onClick={() => void reset()} disabled={busy || !running} data-testid="insights-reset">
              Reset statistics
            </button>
          ) : null}
        </div>
      </div>
      {!running && !insights ? <Notice kind="info">Statement statistics can be read while the database is running.</Notice> : null}
      {error ? <Notice>Could not read the statement statistics: {error}</Notice> : null}
      {running && !insights && !error ? <Spinner label="Reading statement statistics…" /> : null}
      {insights ? (
        <section className="card" aria-labelledby="insights-heading">
          <h2 id="insights-heading">Top statements</h2>
          <p className="muted obs-note">{insights.since ? `Since ${dateTime(insights.since)}` : 'Since the statistics were last reset'}</p>
          {insights.statements.length === 0 ? (
            <p className="muted">No statements recorded yet.</p>
          ) : (
            <div className="obs-grid-scroll" tabIndex={0} role="region" aria-label="Top statements">
              <table className="table obs-insights" data-testid="insights-table">
                <thead>
                  <tr>
                    <th scope="col">Statement</th>
                    <th scope="col">Calls</th>
                    <th scope="col">Total time</th>
                    <th scope="col">Mean time</th>
                    <th scope="col">Rows</th>
                    <th scope="col">Cache hits</th>
                  </tr>
                </thead>
                <tbody>
                  {insights.statements.map((s, i) => {
                    const blocks = s.shared_blocks_hit + s.shared_blocks_read;
                    return (
                      <tr key={s.query_id ?? i} data-testid="insight">
                        <td data-label="Statement">
                          {s.query.length > STATEMENT_PREVIEW ? (
                            <details>
                              <summary>
                                <code className="obs-statement">{s.query.slice(0, STATEMENT_PREVIEW)}…</code>
                              </summary>
                              <code className="obs-statement">{s.query}</code>
                            </details>
                          ) : (
                            <code className="obs-statement">{s.query}</code>
                          )}
                        </td>
                        <td data-label="Calls">{s.calls.toLocaleString('en')}</td>
                        <td data-label="Total time">{ms(s.total_time_ms)}</td>
                        <td data-label="Mean time">{ms(s.mean_time_ms)}</td>
                        <td data-label="Rows">{s.rows.toLocaleString('en')}</td>
                        <td data-label="Cache hits">{blocks === 0 ? '—' : `${((s.shared_blocks_hit / blocks) * 100).toFixed(1)}%`}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}
    </div>
  );
}
