import { describe, expect, it } from 'vitest';
import { mergeInstanceSamples, parseExposition, sampleFromExposition } from './cnpg-metrics.ts';

// As CNPG's exporter writes it (default monitoring queries), trimmed to a few series of each kind.
const PRIMARY = `# HELP cnpg_backends_total Number of backends
# TYPE cnpg_backends_total gauge
cnpg_backends_total{application_name="psql",datname="app",state="active",usename="app"} 2
cnpg_backends_total{application_name="",datname="app",state="idle",usename="app"} 3
cnpg_backends_total{application_name="web",datname="app",state="idle in transaction",usename="app"} 1
cnpg_backends_total{application_name="cnpg_metrics_exporter",datname="postgres",state="active",usename="postgres"} 1
# HELP cnpg_backends_max_tx_duration_seconds Maximum duration of a transaction in seconds
# TYPE cnpg_backends_max_tx_duration_seconds gauge
cnpg_backends_max_tx_duration_seconds{application_name="psql",datname="app",state="active",usename="app"} 0.25
# HELP cnpg_pg_database_size_bytes Disk space used by the database
# TYPE cnpg_pg_database_size_bytes gauge
cnpg_pg_database_size_bytes{datname="app"} 7.741955e+06
cnpg_pg_database_size_bytes{datname="postgres"} 7566831
# HELP cnpg_pg_replication_lag Replication lag behind primary in seconds
# TYPE cnpg_pg_replication_lag gauge
cnpg_pg_replication_lag 0
# HELP cnpg_pg_settings_setting Setting value
# TYPE cnpg_pg_settings_setting gauge
cnpg_pg_settings_setting{name="max_connections"} 100
cnpg_pg_settings_setting{name="max_wal_senders"} 10
# HELP cnpg_pg_stat_database_xact_commit Number of transactions in this database that have been committed
# TYPE cnpg_pg_stat_database_xact_commit counter
cnpg_pg_stat_database_xact_commit{datname=""} 0
cnpg_pg_stat_database_xact_commit{datname="app"} 1500
cnpg_pg_stat_database_xact_commit{datname="postgres"} 480
cnpg_pg_stat_database_xact_rollback{datname="app"} 20
cnpg_pg_stat_database_blks_hit{datname="app"} 90000
cnpg_pg_stat_database_blks_hit{datname="postgres"} 10000
cnpg_pg_stat_database_blks_read{datname="app"} 400
cnpg_collector_up{cluster="postgres"} 1
`;

describe('CloudNativePG exporter metrics', () => {
  it('reads the exposition: names, labels (escaped), values in exponent notation, comments skipped', () => {
    const samples = parseExposition('# HELP x y\nx{a="q\\"uo\\\\te",b="1"} 1.5e+03\nplain 2 1700000000000\nbroken{a=} 1\n');
    expect(samples).toEqual([
      { name: 'x', labels: { a: 'q"uo\\te', b: '1' }, value: 1500 },
      { name: 'plain', labels: {}, value: 2 },
    ]);
  });

  it('makes one instance\'s sample: transactions and blocks over every database, backends by state, limit, size, lag', () => {
    expect(sampleFromExposition(PRIMARY, 'app')).toEqual({
      xactTotal: 1500 + 480 + 20,
      blocksHit: 100_000,
      blocksRead: 400,
      connectionsActive: 3,
      connectionsIdle: 4,
      connectionsMax: 100,
      databaseSizeBytes: 7_741_955,
      replicationLagSeconds: 0,
    });
  });

  it('leaves out what the exporter did not say', () => {
    expect(sampleFromExposition('cnpg_collector_up 1\n', 'app')).toEqual({});
  });

  it('merges instances: counters add up, the primary\'s limit and size, the largest replica lag', () => {
    const primary = sampleFromExposition(PRIMARY, 'app');
    const replica = { xactTotal: 100, connectionsActive: 1, connectionsIdle: 0, connectionsMax: 100, databaseSizeBytes: 1, replicationLagSeconds: 2.5, cpuCores: 0.5 };
    const lagging = { replicationLagSeconds: 7 };
    expect(mergeInstanceSamples([{ ...primary, cpuCores: 0.25, memoryBytes: 1000 }, replica, lagging])).toMatchObject({
      xactTotal: 2100,
      connectionsActive: 4,
      connectionsMax: 100,
      databaseSizeBytes: 7_741_955,
      replicationLagSeconds: 7,
      cpuCores: 0.75,
      memoryBytes: 1000,
    });
    // One instance: no replica, no lag.
    expect(mergeInstanceSamples([primary])).not.toHaveProperty('replicationLagSeconds');
    expect(mergeInstanceSamples([])).toBeNull();
  });
});
