// A cluster's metric samples in its ClusterDO's SQLite storage: wide tables, one column per series. Each sample is
// one row of metrics_raw and is added at once to its minute's and its hour's rollup (a sum and a count per series),
// so the rollups are always current and a read never aggregates more than one table. Three statements per sample;
// old rows are deleted at most once a minute. Reads average within each step (metrics-resolution.ts picks table and
// step) and give null where a step holds no sample.
import { metricSeries, type MetricSeries } from '../../protocol/enums.ts';
import type { MetricValues } from '../../protocol/observability.ts';
import { METRIC_TABLES, resolution, type Resolution } from './metrics-resolution.ts';
import { RetainedTables } from './retained-tables.ts';

// Series names are identifiers from a fixed list, so they can be column names.
const RAW_COLUMNS = metricSeries.join(', ');
const ROLLUP_COLUMNS = metricSeries.map((s) => `${s}_sum REAL NOT NULL DEFAULT 0, ${s}_n INTEGER NOT NULL DEFAULT 0`).join(', ');
const ROLLUP_NAMES = metricSeries.map((s) => `${s}_sum, ${s}_n`).join(', ');
const ROLLUP_ADD = metricSeries.map((s) => `${s}_sum = ${s}_sum + excluded.${s}_sum, ${s}_n = ${s}_n + excluded.${s}_n`).join(', ');
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export interface SeriesRead {
  resolution: Resolution;
  /** Unix seconds, one per step. */
  timestamps: number[];
  series: Partial<Record<MetricSeries, Array<number | null>>>;
}

export class MetricsStore {
  readonly #tables: RetainedTables;

  constructor(sql: SqlStorage) {
    this.#tables = new RetainedTables(sql, {
      schema: `CREATE TABLE IF NOT EXISTS metrics_raw (t INTEGER PRIMARY KEY, ${metricSeries.map((s) => `${s} REAL`).join(', ')});
               CREATE TABLE IF NOT EXISTS metrics_1m (t INTEGER PRIMARY KEY, ${ROLLUP_COLUMNS});
               CREATE TABLE IF NOT EXISTS metrics_1h (t INTEGER PRIMARY KEY, ${ROLLUP_COLUMNS});`,
      deleteExpired: (sql, nowMs) => {
        const now = Math.floor(nowMs / 1000);
        for (const table of METRIC_TABLES) sql.exec(`DELETE FROM ${table.name} WHERE t < ?`, now - table.retentionSeconds);
      },
    });
  }

  /**
   * Stores a sample taken at `at` (Unix seconds). A second sample of the same second is ignored, so a repeated
   * message does not count twice in the rollups. Returns whether it was stored.
   */
  add(at: number, values: MetricValues, nowMs = Date.now()): boolean {
    const sql = this.#tables.sql();
    const raw = metricSeries.map((s) => values[s] ?? null);
    const inserted = sql.exec(`INSERT OR IGNORE INTO metrics_raw (t, ${RAW_COLUMNS}) VALUES (?, ${placeholders(raw.length)})`, at, ...raw);
    if (inserted.rowsWritten === 0) return false;
    const rollup = metricSeries.flatMap((s) => (values[s] === undefined ? [0, 0] : [values[s], 1]));
    for (const table of [METRIC_TABLES[1], METRIC_TABLES[2]]) {
      sql.exec(
        `INSERT INTO ${table.name} (t, ${ROLLUP_NAMES}) VALUES (?, ${placeholders(rollup.length)}) ON CONFLICT (t) DO UPDATE SET ${ROLLUP_ADD}`,
        Math.floor(at / table.seconds) * table.seconds,
        ...rollup,
      );
    }
    this.#tables.written(nowMs);
    return true;
  }

  /** The series over [from, to] (Unix seconds), averaged per step. */
  read(from: number, to: number, stepSeconds: number | null, series: readonly MetricSeries[], nowMs = Date.now()): SeriesRead {
    const res = resolution(from, to, stepSeconds, Math.floor(nowMs / 1000));
    const { table, stepSeconds: step, start, count } = res;
    const timestamps = Array.from({ length: count }, (_, i) => start + i * step);
    const out: SeriesRead['series'] = {};
    for (const s of series) out[s] = new Array<number | null>(count).fill(null);
    if (series.length === 0) return { resolution: res, timestamps, series: out };
    const means =
      table.name === 'metrics_raw'
        ? series.map((s) => `avg(${s}) AS ${s}`)
        : series.map((s) => `CASE WHEN sum(${s}_n) > 0 THEN sum(${s}_sum) / sum(${s}_n) END AS ${s}`);
    // Bound numbers arrive as REAL: the cast makes the step's index a whole number.
    const rows = this.#tables.sql()
      .exec<Record<string, number | null>>(
        `SELECT CAST((t - ?) / ? AS INTEGER) AS i, ${means.join(', ')} FROM ${table.name} WHERE t >= ? AND t <= ? GROUP BY i`,
        start,
        step,
        start,
        to,
      )
      .toArray();
    for (const row of rows) {
      const i = Math.trunc(row.i!);
      if (i < 0 || i >= count) continue;
      for (const s of series) out[s]![i] = row[s] ?? null;
    }
    return { resolution: res, timestamps, series: out };
  }

  clear(): void {
    for (const table of METRIC_TABLES) this.#tables.sql().exec(`DELETE FROM ${table.name}`);
  }

  /** Deletes what is past its retention at `nowMs`. */
  prune(nowMs: number): void {
    this.#tables.prune(nowMs);
  }
}
