// A CloudNativePG instance's metrics as the agent's MetricsSample. Every instance pod runs CNPG's exporter on :9187
// (Prometheus text exposition); the metric names are `cnpg_<query>_<column>` of the operator's default monitoring
// queries (config/manager/default-monitoring.yaml in cloudnative-pg/cloudnative-pg):
//   pg_stat_database: cnpg_pg_stat_database_{xact_commit,xact_rollback,blks_hit,blks_read}{datname}
//   backends:         cnpg_backends_total{datname,usename,application_name,state}
//   pg_settings:      cnpg_pg_settings_setting{name}
//   pg_database:      cnpg_pg_database_size_bytes{datname}
//   pg_replication:   cnpg_pg_replication_lag (seconds behind the primary; 0 on the primary)
// Parsing is pure; the driver fetches each pod's exposition and merges the instances' samples.
import type { MetricsSample } from '../driver.ts';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const at = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match) return text.slice(at).trim() === '' ? labels : null;
    labels[match[1]!] = unescapeLabel(match[2]!);
  }
  return labels;
}

/** The samples of a Prometheus text exposition (version 0.0.4); comments and lines it cannot read are skipped. */
export function parseExposition(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels = match[3] === undefined ? {} : parseLabels(match[3]);
    const value = match[4] === '+Inf' ? Infinity : match[4] === '-Inf' ? -Infinity : Number(match[4]);
    if (!labels || Number.isNaN(value)) continue;
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

function sum(samples: PromSample[], name: string, where: (labels: Record<string, string>) => boolean = () => true): number | undefined {
  const found = samples.filter((s) => s.name === name && where(s.labels));
  return found.length === 0 ? undefined : found.reduce((total, s) => total + s.value, 0);
}

/**
 * One instance's sample from its exporter's exposition: transactions and blocks summed over every database (as the
 * local driver reads pg_stat_database), backends by state, max_connections, the cluster database's size, the lag.
 */
export function sampleFromExposition(text: string, database: string): MetricsSample {
  const samples = parseExposition(text);
  const commits = sum(samples, 'cnpg_pg_stat_database_xact_commit');
  const rollbacks = sum(samples, 'cnpg_pg_stat_database_xact_rollback');
  const sample: MetricsSample = {
    xactTotal: commits === undefined && rollbacks === undefined ? undefined : (commits ?? 0) + (rollbacks ?? 0),
    blocksHit: sum(samples, 'cnpg_pg_stat_database_blks_hit'),
    blocksRead: sum(samples, 'cnpg_pg_stat_database_blks_read'),
    connectionsActive: sum(samples, 'cnpg_backends_total', (l) => l.state === 'active'),
    // Idle in transaction holds a connection too: counted with the idle ones, as neither runs a statement.
    connectionsIdle: sum(samples, 'cnpg_backends_total', (l) => l.state !== undefined && l.state !== 'active'),
    connectionsMax: sum(samples, 'cnpg_pg_settings_setting', (l) => l.name === 'max_connections'),
    databaseSizeBytes: sum(samples, 'cnpg_pg_database_size_bytes', (l) => l.datname === database),
    replicationLagSeconds: sum(samples, 'cnpg_pg_replication_lag'),
  };
  return Object.fromEntries(Object.entries(sample).filter(([, v]) => v !== undefined)) as MetricsSample;
}

/**
 * The cluster's sample from its instances' (primary first): counters and connections add up over the instances, the
 * connection limit and database size are the primary's, and the lag is the largest a replica reports (absent with one
 * instance, as the contract asks).
 */
export function mergeInstanceSamples(instances: MetricsSample[]): MetricsSample | null {
  if (instances.length === 0) return null;
  const merged: MetricsSample = {};
  const add = (key: 'xactTotal' | 'blocksHit' | 'blocksRead' | 'connectionsActive' | 'connectionsIdle' | 'cpuSeconds' | 'memoryBytes' | 'cpuCores') => {
    const values = instances.map((s) => s[key]).filter((v): v is number => v !== undefined);
    if (values.length > 0) merged[key] = values.reduce((a, b) => a + b, 0);
  };
  for (const key of ['xactTotal', 'blocksHit', 'blocksRead', 'connectionsActive', 'connectionsIdle', 'cpuSeconds', 'memoryBytes', 'cpuCores'] as const) add(key);
  const primary = instances[0]!;
  if (primary.connectionsMax !== undefined) merged.connectionsMax = primary.connectionsMax;
  if (primary.databaseSizeBytes !== undefined) merged.databaseSizeBytes = primary.databaseSizeBytes;
  const lags = instances.slice(1).map((s) => s.replicationLagSeconds).filter((v): v is number => v !== undefined);
  if (lags.length > 0) merged.replicationLagSeconds = Math.max(...lags);
  return merged;
}
