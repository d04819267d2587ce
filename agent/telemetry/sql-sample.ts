// A cluster's counters read over SQL, for drivers that have no platform exporter: one statement, one round trip, on
// a connection kept open between samples (a login costs more than the read). As the admin role when the driver has
// one (it sees every backend), else as the app role (which sees what PostgreSQL shows it).
import pg from 'pg';
import type { ClientSettings, MetricsSample } from '../drivers/driver.ts';

// Client backends only (not the server's own processes), without the sampler's own connection. Counters summed over
// every database: the cluster is its owner's whole server. Replication lag only where replicas report (else null).
const SAMPLE_SQL = `
select
  (select sum(xact_commit + xact_rollback) from pg_stat_database)::float8 as xact_total,
  (select sum(blks_hit) from pg_stat_database)::float8 as blocks_hit,
  (select sum(blks_read) from pg_stat_database)::float8 as blocks_read,
  (select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() and state = 'active')::int as connections_active,
  (select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() and state like 'idle%')::int as connections_idle,
  current_setting('max_connections')::int as connections_max,
  pg_database_size($1)::float8 as database_size_bytes,
  (select extract(epoch from max(replay_lag)) from pg_stat_replication)::float8 as replication_lag_seconds`;

interface SampleRow {
  xact_total: number | null;
  blocks_hit: number | null;
  blocks_read: number | null;
  connections_active: number | null;
  connections_idle: number | null;
  connections_max: number | null;
  database_size_bytes: number | null;
  replication_lag_seconds: number | null;
}

const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 5_000;

/** One cluster's sampling connection: opened on first use, kept, and opened again after a failure. */
export class SqlSampler {
  private client: pg.Client | null = null;
  private settingsKey = '';

  /**
   * Reads a sample through `settings`; a connection to other settings (a new port, a rotated password) is replaced.
   * `sharedSession`: every connection shares the server's one session (PGlite), so this one sets nothing in it.
   */
  async sample(settings: ClientSettings, database: string, sharedSession = false): Promise<MetricsSample> {
    const key = JSON.stringify([settings.host, settings.port, settings.database, settings.user, settings.password ?? '']);
    if (this.client && key !== this.settingsKey) await this.close();
    // A kept connection may have died with a restarted server: one fresh try before the sample is given up.
    const reused = this.client !== null;
    try {
      return await this.read(settings, key, database, sharedSession);
    } catch (error) {
      await this.close();
      if (!reused) throw error;
    }
    try {
      return await this.read(settings, key, database, sharedSession);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  private async read(settings: ClientSettings, key: string, database: string, sharedSession: boolean): Promise<MetricsSample> {
    this.client ??= await connect(settings, sharedSession);
    this.settingsKey = key;
    const { rows } = await this.client.query<SampleRow>({ text: SAMPLE_SQL, values: [database] });
    return sampleOf(rows[0]!);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}

async function connect(settings: ClientSettings, sharedSession: boolean): Promise<pg.Client> {
  const client = new pg.Client({
    ...settings,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS,
    ...(sharedSession ? {} : { statement_timeout: STATEMENT_TIMEOUT_MS, application_name: 'orochi-agent metrics' }),
  });
  // A server that goes away emits 'error' on an idle client; the next sample finds it broken and reconnects.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

function sampleOf(row: SampleRow): MetricsSample {
  const sample: MetricsSample = {};
  const fields: Array<[keyof MetricsSample, number | null]> = [
    ['xactTotal', row.xact_total],
    ['blocksHit', row.blocks_hit],
    ['blocksRead', row.blocks_read],
    ['connectionsActive', row.connections_active],
    ['connectionsIdle', row.connections_idle],
    ['connectionsMax', row.connections_max],
    ['databaseSizeBytes', row.database_size_bytes],
    ['replicationLagSeconds', row.replication_lag_seconds],
  ];
  for (const [field, value] of fields) if (value !== null && Number.isFinite(value)) sample[field] = value;
  return sample;
}
