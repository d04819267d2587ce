// A statement's result: its columns with their PostgreSQL types, the rows (NULL shown as such), how many rows and
// how long it took, a notice when the row limit cut it, and the rows as a CSV download.
import { cellText } from '../../lib/sql-console.ts';
import { downloadText, toCsv } from '../../lib/csv.ts';
import type { QueryResult } from '../../lib/observability-api.ts';

export function ResultGrid({ result }: { result: QueryResult }) {
  const rows = result.row_count ?? result.rows.length;
  const summary = `${result.command ?? 'Done'} · ${rows.toLocaleString('en')} row${rows === 1 ? '' : 's'} · ${result.duration_ms.toLocaleString('en', { maximumFractionDigits: 1 })} ms`;
  return (
    <div className="obs-result" data-testid="query-result">
      <div className="obs-result-head">
        <p className="obs-note" role="status" data-testid="query-summary">
          {summary}
        </p>
        {result.columns.length > 0 ? (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => downloadText(`result-${result.query_id}.csv`, toCsv(result.columns.map((c) => c.name), result.rows), 'text/csv')}
          >
            Download CSV
          </button>
        ) : null}
      </div>
      {result.truncated ? (
        <p className="notice notice-warning" data-testid="query-truncated">
          Only the first {result.rows.length.toLocaleString('en')} rows are shown: the result was cut at the row limit.
        </p>
      ) : null}
      {result.columns.length > 0 ? (
        <div className="obs-grid-scroll" tabIndex={0} role="region" aria-label="Result rows">
          <table className="obs-grid">
            <thead>
              <tr>
                {result.columns.map((c, i) => (
                  <th key={`${c.name}-${i}`} scope="col" data-type={c.type}>
                    {c.name}
                    <span className="obs-type">{c.type}</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {result.rows.map((row, r) => (
                <tr key={r}>
                  {row.map((value, i) => (
                    <td key={i} className={value === null ? 'obs-null' : undefined}>
                      {cellText(value)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
