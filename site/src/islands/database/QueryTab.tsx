// The Query tab: a SQL editor (its own lazily loaded chunk) with completion from the database's schema, Run
// (Ctrl/Cmd-Enter), EXPLAIN with or without ANALYZE, Cancel of the running statement, the result grid, errors
// with PostgreSQL's SQLSTATE, hint and the position marked in the editor, and the user's recent statements.
// Running statements needs clusters:query (developer and above); others see the editor read-only.
import { lazy, Suspense, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Notice, Spinner } from '../../components/ui.tsx';
import { api, ApiFailure, errorText, unwrap } from '../../lib/api.ts';
import { observabilityApi, type QueryResult } from '../../lib/observability-api.ts';
import { addToHistory, readHistory, type HistoryEntry } from '../../lib/query-history.ts';
import { canQuery, errorOffset, explainPrefix, explainSql, newQueryId } from '../../lib/sql-console.ts';
import { timeAgo } from '../../lib/format.ts';
import { ResultGrid } from './ResultGrid.tsx';
import type { SqlEditorHandle } from './SqlEditor.tsx';
import { completionSchema, useSchema } from './use-schema.ts';
import type { Cluster, Mutation, Role } from './model.ts';

const SqlEditor = lazy(() => import('./SqlEditor.tsx'));

interface Failure {
  message: string;
  code: string;
  status: number;
  sqlstate?: string;
  hint?: string | null;
  detail?: string | null;
  position?: number | null;
}

type Outcome = { kind: 'result'; result: QueryResult } | { kind: 'error'; failure: Failure } | null;

/** Statements after which the schema the editor completes from may have changed. */
const CHANGES_SCHEMA = /^(CREATE|ALTER|DROP|COMMENT|RENAME)\b/i;

function failureOf(error: unknown): Failure {
  if (!(error instanceof ApiFailure)) return { message: errorText(error), code: 'network_error', status: 0 };
  const details = (error.details ?? {}) as { sqlstate?: string; hint?: string | null; detail?: string | null; position?: number | null };
  return { message: error.message, code: error.code, status: error.status, sqlstate: details.sqlstate, hint: details.hint, detail: details.detail, position: details.position };
}

interface Props {
  cluster: Cluster;
  role: Role | null;
  userId: string;
  onMutated: (result: Mutation) => void;
}

export function QueryTab({ cluster, role, userId, onMutated }: Props) {
  const allowed = canQuery(role);
  const editor = useRef<SqlEditorHandle | null>(null);
  const [text, setText] = useState('');
  const [analyze, setAnalyze] = useState(false);
  const [readOnly, setReadOnly] = useState(false);
  const [running, setRunning] = useState<{ queryId: string; cancelling: boolean } | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [waking, setWaking] = useState<string | null>(null);
  const { schema, reload: reloadSchema } = useSchema(cluster);
  const namespace = useMemo(() => completionSchema(schema), [schema]);
  const ids = { editor: useId(), history: useId() };

  useEffect(() => setHistory(readHistory(localStorage, userId).filter((e) => e.cluster_id === cluster.id)), [userId, cluster.id]);

  const run = useCallback(
    async (mode: 'run' | 'explain') => {
      const statement = editor.current?.text() ?? '';
      if (!allowed || running || statement.trim() === '') return;
      const prefix = mode === 'explain' ? explainPrefix(analyze) : '';
      const sql = mode === 'explain' ? explainSql(statement, analyze) : statement;
      const queryId = newQueryId();
      setRunning({ queryId, cancelling: false });
      setOutcome(null);
      editor.current?.markError(null);
      let ok = false;
      try {
        const result = await observabilityApi.query(cluster.id, { sql, query_id: queryId, read_only: readOnly });
        setOutcome({ kind: 'result', result });
        ok = true;
        if (result.command && CHANGES_SCHEMA.test(result.command)) void reloadSchema();
      } catch (error) {
        const failure = failureOf(error);
        setOutcome({ kind: 'error', failure });
        const offset = failure.code === 'sql_error' ? errorOffset(statement, failure.position, prefix) : null;
        if (offset !== null) editor.current?.markError(offset);
      } finally {
        setRunning(null);
        const entries = addToHistory(localStorage, userId, { sql: statement, cluster_id: cluster.id, at: new Date().toISOString(), ok });
        setHistory(entries.filter((e) => e.cluster_id === cluster.id));
      }
    },
    [allowed, running, analyze, readOnly, cluster.id, userId, reloadSchema],
  );
  const runRef = useRef(run);
  runRef.current = run;

  async function cancel() {
    if (!running) return;
    setRunning({ ...running, cancelling: true });
    try {
      await observabilityApi.cancel(running.queryId);
    } catch (error) {
      // The statement may have just finished: its own answer says what happened.
      if (!(error instanceof ApiFailure && error.status === 404)) setOutcome({ kind: 'error', failure: failureOf(error) });
    }
  }

  async function wake() {
    setWaking('Waking the database…');
    try {
      onMutated(await unwrap(api.v1.clusters[':id'].wake.$post({ param: { id: cluster.id } })));
      setWaking('Waking the database: run the statement again once it is running.');
    } catch (error) {
      setWaking(errorText(error));
    }
  }

  const onReady = useCallback((handle: SqlEditorHandle) => {
    editor.current = handle;
  }, []);

  const failure = outcome?.kind === 'error' ? outcome.failure : null;
  const asleep = failure?.code === 'cluster_sleeping' || (failure?.status === 409 && cluster.status === 'sleeping');

  return (
    <div className="obs-tab obs-query" data-testid="query-tab">
      <section className="card" aria-labelledby={`${ids.editor}-heading`}>
        <h2 id={`${ids.editor}-heading`}>SQL</h2>
        {!allowed ? (
          <Notice kind="info">Your role in this organization ({role ?? 'none'}) can read the schema but not run statements; running SQL needs the developer role or above.</Notice>
        ) : null}
        <Suspense fallback={<Spinner label="Loading the editor…" />}>
          <SqlEditor
            initialText=""
            schema={namespace}
            readOnly={!allowed}
            label="SQL statement"
            onRun={() => void runRef.current('run')}
            onChange={setText}
            onReady={onReady}
          />
        </Suspense>
        <div className="obs-query-actions">
          <button type="button" className="btn btn-primary" disabled={!allowed || !!running || text.trim() === ''} onClick={() => void run('run')} data-testid="query-run">
            Run <span className="obs-kbd">Ctrl/⌘ Enter</span>
          </button>
          <button type="button" className="btn" disabled={!allowed || !!running || text.trim() === ''} onClick={() => void run('explain')} data-testid="query-explain">
            Explain
          </button>
          <label className="obs-check">
            <input type="checkbox" checked={analyze} onChange={(e) => setAnalyze(e.target.checked)} disabled={!allowed} /> Analyze (runs the statement)
          </label>
          <label className="obs-check">
            <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} disabled={!allowed} /> Read-only transaction
          </label>
          {running ? (
            <span className="obs-running">
              <Spinner label={running.cancelling ? 'Cancelling…' : 'Running…'} />
              <button type="button" className="btn btn-danger btn-small" onClick={() => void cancel()} disabled={running.cancelling} data-testid="query-cancel">
                Cancel
              </button>
            </span>
          ) : null}
        </div>
      </section>

      <section className="card" aria-label="Result">
        {!outcome && !running ? <p className="muted">Run a statement to see its result here.</p> : null}
        {outcome?.kind === 'result' ? <ResultGrid result={outcome.result} /> : null}
        {failure ? (
          <div className="notice notice-error obs-error" role="alert" data-testid="query-error">
            <p className="obs-error-title">
              {failure.sqlstate ? <span className="obs-sqlstate" data-testid="query-sqlstate">{failure.sqlstate}</span> : null}
              {failure.message}
            </p>
            {failure.detail ? <p>Detail: {failure.detail}</p> : null}
            {failure.hint ? <p>Hint: {failure.hint}</p> : null}
            {failure.position ? <p>At character {failure.position} (marked in the editor).</p> : null}
            {failure.code === 'statement_timeout' ? <p>The statement ran past its time limit and was stopped on the server.</p> : null}
            {failure.code === 'query_cancelled' ? <p>The statement was cancelled.</p> : null}
            {failure.status === 503 ? <p>The database's region is not reachable right now; try again in a moment.</p> : null}
            {asleep ? (
              <p>
                <button type="button" className="btn btn-small" onClick={() => void wake()} disabled={waking !== null} data-testid="query-wake">
                  Wake the database
                </button>{' '}
                {waking}
              </p>
            ) : null}
          </div>
        ) : null}
      </section>

      <section className="card" aria-labelledby={ids.history}>
        <h2 id={ids.history}>History</h2>
        {history.length === 0 ? (
          <p className="muted">Statements you run on this database appear here (kept in this browser, for you only).</p>
        ) : (
          <ol className="obs-history" data-testid="query-history">
            {history.map((h) => (
              <li key={`${h.at}-${h.sql}`}>
                <button type="button" className="obs-history-item" onClick={() => (editor.current?.setText(h.sql), editor.current?.focus())} title="Load into the editor">
                  <code>{h.sql.length > 200 ? `${h.sql.slice(0, 200)}…` : h.sql}</code>
                </button>
                <span className={`obs-history-meta ${h.ok ? 'muted' : 'obs-failed'}`}>
                  {h.ok ? '' : 'failed · '}
                  {timeAgo(h.at)}
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
