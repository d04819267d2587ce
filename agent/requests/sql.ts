// The SQL editor's statement on a cluster, as the app role: on a pooled connection, with the request's
// statement_timeout (and read-only transactions when asked), one statement with parameters or a script without, at
// most row_limit rows kept. Each request is a session of its own: a transaction left open at the end is rolled back
// and the session reset before the connection serves anyone else.
//
// Bounded in time even when the server does not honour its timeout: past timeout_ms + CANCEL_GRACE_MS the backend
// is cancelled, past another FORCE_GRACE_MS the connection is closed under it.
import { OBSERVABILITY_LIMITS, type QueryResult, type SqlRequest } from '../../protocol/observability.ts';
import { agentSql } from './agent-statements.ts';
import { LimitedStatement, type StatementMode, type StatementOutcome } from './limited-statement.ts';
import type { ConnectionPool, PooledConnection } from './connection-pool.ts';
import { isServerError, RequestFailure, sqlErrorOf } from './request-failure.ts';
import type { RunningQueries, RunningQuery } from './running-queries.ts';
import type { TypeNames } from './type-names.ts';

const SESSION_SETUP_SQL = agentSql('SELECT set_config($1, $2, false), set_config($3, $4, false)');
const ROLLBACK_SQL = agentSql('ROLLBACK');

const CANCEL_GRACE_MS = 1_000;
const FORCE_GRACE_MS = 2_000;
/** The SQLSTATE of a syntax error, which is also what a script sent as one prepared statement gets. */
const SYNTAX_ERROR = '42601';
const QUERY_CANCELED = '57014';

export interface SqlContext {
  clusterId: string;
  pool: ConnectionPool;
  types: TypeNames;
  running: RunningQueries;
  /** Cancels a backend from another connection; resolves whether a signal was sent. */
  cancelBackend(pid: number): Promise<boolean>;
}

export async function runSql(context: SqlContext, request: SqlRequest): Promise<QueryResult> {
  if (context.running.get(request.query_id, context.clusterId)) throw new RequestFailure('bad_request', `query ${request.query_id} is already running`);
  const connection = await sessionFor(context.pool, request);
  let reusable = true;
  let registration: ReturnType<RunningQueries['start']> | null = null;
  try {
    registration = context.running.start(request.query_id, context.clusterId, connection.pid);
    const started = performance.now();
    let outcome: StatementOutcome;
    try {
      outcome = await runBounded(context, connection, registration.query, request);
    } catch (error) {
      throw failureOf(error, registration.query, request);
    }
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    // A script may leave its transaction open or failed: the catalog is read outside it.
    if (connection.transactionStatus !== 'I') await connection.client.query(ROLLBACK_SQL);
    const names = await context.types.resolve(
      connection.client,
      outcome.columns.map((column) => column.typeOid),
    );
    return {
      query_id: request.query_id,
      command: outcome.command,
      columns: outcome.columns.map((column) => ({ name: column.name, type: names.get(column.typeOid) ?? String(column.typeOid), type_oid: column.typeOid })),
      rows: outcome.rows,
      row_count: outcome.rowCount,
      truncated: outcome.truncated,
      duration_ms: durationMs,
    };
  } catch (error) {
    if (!isServerError(error) && !(error instanceof RequestFailure && error.sqlError)) reusable = false;
    throw error;
  } finally {
    registration?.end();
    const giveBack = () => (reusable ? context.pool.release(connection) : context.pool.discard(connection));
    const cancelling = registration?.query.cancelling;
    if (cancelling) void cancelling.then(giveBack, giveBack);
    else giveBack();
  }
}

/** A pooled connection with this request's settings; a connection that died while idle is replaced once. */
async function sessionFor(pool: ConnectionPool, request: SqlRequest): Promise<PooledConnection> {
  const settings = ['statement_timeout', String(request.timeout_ms), 'default_transaction_read_only', request.read_only ? 'on' : 'off'];
  for (let attempt = 0; ; attempt++) {
    const connection = await pool.acquire(request.timeout_ms);
    try {
      await connection.client.query(SESSION_SETUP_SQL, settings);
      return connection;
    } catch (error) {
      pool.discard(connection);
      if (attempt > 0 || isServerError(error)) throw error;
    }
  }
}

/** Runs the statement, cancelling it and then closing its connection if it outlives its timeout. */
async function runBounded(context: SqlContext, connection: PooledConnection, query: RunningQuery, request: SqlRequest): Promise<StatementOutcome> {
  let overdue = false;
  const cancelTimer = setTimeout(() => {
    overdue = true;
    query.cancelling = context.cancelBackend(connection.pid).catch(() => undefined);
  }, request.timeout_ms + CANCEL_GRACE_MS);
  const forceTimer = setTimeout(() => connection.destroy(), request.timeout_ms + CANCEL_GRACE_MS + FORCE_GRACE_MS);
  try {
    return await execute(connection, request);
  } catch (error) {
    if (overdue && !query.cancelRequested) {
      throw new RequestFailure('timeout', `the statement ran past its ${request.timeout_ms} ms timeout and was stopped`);
    }
    throw error;
  } finally {
    clearTimeout(cancelTimer);
    clearTimeout(forceTimer);
  }
}

async function execute(connection: PooledConnection, request: SqlRequest): Promise<StatementOutcome> {
  const run = (mode: StatementMode) =>
    connection.client.query(new LimitedStatement(request.sql, mode, request.row_limit, OBSERVABILITY_LIMITS.resultMaxBytes)).outcome;
  if (request.params.length > 0) return run({ kind: 'portal', params: request.params });
  try {
    // A single statement goes through a portal, so a large result is never sent past the row limit.
    return await run({ kind: 'portal', params: [] });
  } catch (error) {
    // Several statements cannot be one prepared statement (42601, nothing ran): sent again as a script, which also
    // reports a real syntax error with its position.
    if (isServerError(error) && error.code === SYNTAX_ERROR) return run({ kind: 'script' });
    throw error;
  }
}

function failureOf(error: unknown, query: RunningQuery, request: SqlRequest): unknown {
  if (error instanceof RequestFailure) return error;
  if (!isServerError(error)) {
    if (query.cancelRequested) return new RequestFailure('cancelled', 'the statement was cancelled');
    return error;
  }
  const sqlError = sqlErrorOf(error);
  if (error.code === QUERY_CANCELED) {
    if (query.cancelRequested) return new RequestFailure('cancelled', 'the statement was cancelled', sqlError);
    if (/statement timeout/i.test(error.message)) {
      return new RequestFailure('timeout', `the statement ran past its ${request.timeout_ms} ms timeout and was cancelled`, sqlError);
    }
  }
  return new RequestFailure('sql_error', error.message, sqlError);
}
