// A STAND-IN for CloudNativePG's metrics exporter (the instance manager's :9187 /metrics), for tests only: it runs a
// subset of the operator's default monitoring queries (config/manager/default-monitoring.yaml, same SQL shape) on the
// instance's real server as the superuser, and writes them as CNPG does, Prometheus text exposition with metric names
// `cnpg_<query>_<column>` and the LABEL columns as labels. Only the queries the agent reads are run: backends,
// pg_database, pg_replication, pg_settings and pg_stat_database; plus cnpg_collector_up.
import pg from 'pg';
import type { InstanceServer } from './cnpg-operator.ts';

interface MonitoringQuery {
  name: string;
  sql: string;
  labels: string[];
  metrics: Array<{ column: string; type: 'gauge' | 'counter'; help: string }>;
}

const QUERIES: MonitoringQuery[] = [
  {
    name: 'backends',
    sql: `SELECT sa.datname, sa.usename, sa.application_name, states.state, COALESCE(sa.count, 0) AS total,
            COALESCE(sa.max_tx_secs, 0) AS max_tx_duration_seconds
          FROM (VALUES ('active'), ('idle'), ('idle in transaction'), ('idle in transaction (aborted)'), ('fastpath function call'), ('disabled')) AS states(state)
          LEFT JOIN (
            SELECT datname, state, usename, COALESCE(application_name, '') AS application_name, count(*),
              COALESCE(EXTRACT(EPOCH FROM (max(now() - xact_start))), 0) AS max_tx_secs
            FROM pg_stat_activity GROUP BY datname, state, usename, application_name
          ) sa ON states.state = sa.state
          WHERE sa.usename IS NOT NULL`,
    labels: ['datname', 'usename', 'application_name', 'state'],
    metrics: [
      { column: 'total', type: 'gauge', help: 'Number of backends' },
      { column: 'max_tx_duration_seconds', type: 'gauge', help: 'Maximum duration of a transaction in seconds' },
    ],
  },
  {
    name: 'pg_database',
    sql: 'SELECT datname, pg_database_size(datname) AS size_bytes, age(datfrozenxid) AS xid_age FROM pg_database WHERE datallowconn',
    labels: ['datname'],
    metrics: [
      { column: 'size_bytes', type: 'gauge', help: 'Disk space used by the database' },
      { column: 'xid_age', type: 'gauge', help: 'Number of transactions from the frozen XID to the current one' },
    ],
  },
  {
    name: 'pg_replication',
    sql: `SELECT CASE WHEN (NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()) THEN 0
            ELSE GREATEST(0, EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))) END AS lag,
            pg_is_in_recovery()::int AS in_recovery, (SELECT count(*) FROM pg_stat_replication) AS streaming_replicas`,
    labels: [],
    metrics: [
      { column: 'lag', type: 'gauge', help: 'Replication lag behind primary in seconds' },
      { column: 'in_recovery', type: 'gauge', help: 'Whether the instance is in recovery' },
      { column: 'streaming_replicas', type: 'gauge', help: 'Number of streaming replicas connected to the instance' },
    ],
  },
  {
    name: 'pg_settings',
    sql: `SELECT name, CASE setting WHEN 'on' THEN '1' WHEN 'off' THEN '0' ELSE setting END AS setting
          FROM pg_settings WHERE vartype IN ('integer', 'real', 'bool') ORDER BY 1`,
    labels: ['name'],
    metrics: [{ column: 'setting', type: 'gauge', help: 'Setting value' }],
  },
  {
    name: 'pg_stat_database',
    sql: 'SELECT datname, xact_commit, xact_rollback, blks_read, blks_hit, tup_inserted, deadlocks FROM pg_stat_database',
    labels: ['datname'],
    metrics: [
      { column: 'xact_commit', type: 'counter', help: 'Number of transactions in this database that have been committed' },
      { column: 'xact_rollback', type: 'counter', help: 'Number of transactions in this database that have been rolled back' },
      { column: 'blks_read', type: 'counter', help: 'Number of disk blocks read in this database' },
      { column: 'blks_hit', type: 'counter', help: 'Number of times disk blocks were found already in the buffer cache' },
      { column: 'tup_inserted', type: 'counter', help: 'Number of rows inserted by queries in this database' },
      { column: 'deadlocks', type: 'counter', help: 'Number of deadlocks detected in this database' },
    ],
  },
];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** The instance's metrics as CNPG's exporter writes them. */
export async function cnpgExposition(server: InstanceServer, cluster: string): Promise<string> {
  const client = new pg.Client({ host: server.socketDir, port: server.port, user: server.superuser, database: 'postgres', connectionTimeoutMillis: 5000, application_name: 'cnpg_metrics_exporter' });
  await client.connect();
  const out: string[] = [];
  try {
    for (const query of QUERIES) {
      const { rows } = await client.query<Record<string, unknown>>(query.sql);
      for (const metric of query.metrics) {
        const name = `cnpg_${query.name}_${metric.column}`;
        out.push(`# HELP ${name} ${metric.help}`, `# TYPE ${name} ${metric.type}`);
        for (const row of rows) {
          const value = Number(row[metric.column]);
          if (!Number.isFinite(value)) continue;
          const labels = query.labels.map((label) => `${label}="${escapeLabel(String(row[label] ?? ''))}"`).join(',');
          out.push(`${name}${labels ? `{${labels}}` : ''} ${value}`);
        }
      }
    }
  } finally {
    await client.end();
  }
  out.push('# HELP cnpg_collector_up 1 if PostgreSQL is up, 0 otherwise.', '# TYPE cnpg_collector_up gauge', `cnpg_collector_up{cluster="${escapeLabel(cluster)}"} 1`);
  return `${out.join('\n')}\n`;
}
