// Query insights from pg_stat_statements: the cluster's database's top-level statements, ordered as asked, without
// the agent's own (agent-statements.ts). Read as the admin role where the driver has
// one (it sees every role's statements), else as the app role. A server without the extension or without the
// library preloaded (PGlite, a server configured otherwise) answers `unsupported` with the reason.
import type pg from 'pg';
import type { InsightsResult } from '../../protocol/observability.ts';
import type { insightOrders } from '../../protocol/enums.ts';
import { AGENT_MARK, agentSql } from './agent-statements.ts';
import { RequestFailure } from './request-failure.ts';

/** pg_stat_statements' column per order. */
const ORDER_COLUMNS: Record<(typeof insightOrders)[number], string> = {
  total_time: 'total_exec_time',
  calls: 'calls',
  mean_time: 'mean_exec_time',
};

/** SQLSTATE of "pg_stat_statements must be loaded via shared_preload_libraries" (object not in prerequisite state). */
const NOT_PRELOADED = '55000';

// Whether the library is preloaded is not asked (shared_preload_libraries is hidden from roles without
// pg_read_all_settings): reading the view says so with NOT_PRELOADED.
const INSTALLED_SQL = agentSql("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_stat_statements') AS installed");

function statementsSql(order: (typeof insightOrders)[number]): string {
  return agentSql(`SELECT s.queryid::text AS query_id, s.query, s.calls::float8 AS calls,
  s.total_exec_time AS total_time_ms, s.mean_exec_time AS mean_time_ms, s.rows::float8 AS rows,
  s.shared_blks_hit::float8 AS shared_blocks_hit, s.shared_blks_read::float8 AS shared_blocks_read
FROM pg_stat_statements s
WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = $1) AND s.toplevel AND s.query NOT LIKE $2
ORDER BY s.${ORDER_COLUMNS[order]} DESC, s.queryid
LIMIT $3`);
}

async function ensureInstalled(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ installed: boolean }>(INSTALLED_SQL);
  if (!rows[0]?.installed) throw new RequestFailure('unsupported', 'query insights need the pg_stat_statements extension, which is not installed in this database');
}

function notPreloaded(error: unknown): never {
  if ((error as { code?: string }).code === NOT_PRELOADED) {
    throw new RequestFailure('unsupported', `query insights are not available on this server: ${(error as Error).message}`);
  }
  throw error;
}

export async function readInsights(
  client: pg.Client,
  database: string,
  request: { order: (typeof insightOrders)[number]; limit: number },
): Promise<InsightsResult> {
  await ensureInstalled(client);
  try {
    const statements = await client.query<InsightsResult['statements'][number]>(statementsSql(request.order), [database, `${AGENT_MARK}%`, request.limit]);
    const info = await client.query<{ stats_reset: Date | null }>(agentSql('SELECT stats_reset FROM pg_stat_statements_info'));
    return { since: info.rows[0]?.stats_reset?.toISOString() ?? null, statements: statements.rows };
  } catch (error) {
    return notPreloaded(error);
  }
}

/** Empties the statistics (the superuser's right by default); the server's clock says when. */
export async function resetInsights(client: pg.Client): Promise<{ reset_at: string }> {
  await ensureInstalled(client);
  try {
    await client.query(agentSql('SELECT pg_stat_statements_reset()'));
    const { rows } = await client.query<{ stats_reset: Date | null; now: Date }>(agentSql('SELECT stats_reset, now() AS now FROM pg_stat_statements_info'));
    return { reset_at: (rows[0]?.stats_reset ?? rows[0]!.now).toISOString() };
  } catch (error) {
    return notPreloaded(error);
  }
}
