// A cluster's health probes and its sleep/wake/deletion transitions, in its ClusterDO's SQLite storage, kept 30 days
// (the last transition before that is kept too: it says how the oldest kept day began). What the health history is
// built from (health-intervals.ts).
import { healthIntervals, type Probe, type Transition } from './health-intervals.ts';
import { RetainedTables } from './retained-tables.ts';

const DAY = 86_400_000;
export const HEALTH_RETENTION_MS = 30 * DAY;

export class HealthStore {
  readonly #tables: RetainedTables;

  constructor(sql: SqlStorage) {
    this.#tables = new RetainedTables(sql, {
      schema: `CREATE TABLE IF NOT EXISTS health_probes (t INTEGER PRIMARY KEY, ok INTEGER NOT NULL, latency_ms REAL);
               CREATE TABLE IF NOT EXISTS health_states (t INTEGER PRIMARY KEY, state TEXT NOT NULL);`,
      deleteExpired: (sql, now) => {
        const cutoff = now - HEALTH_RETENTION_MS;
        sql.exec('DELETE FROM health_probes WHERE t < ?', cutoff);
        sql.exec('DELETE FROM health_states WHERE t < (SELECT max(t) FROM health_states WHERE t < ?)', cutoff);
      },
    });
  }

  addProbe(t: number, ok: boolean, latencyMs: number | null, now = Date.now()): void {
    const sql = this.#tables.sql();
    sql.exec('INSERT OR REPLACE INTO health_probes (t, ok, latency_ms) VALUES (?, ?, ?)', t, ok ? 1 : 0, ok ? latencyMs : null);
    this.#tables.written(now);
  }

  /** A change of what the cluster's status says about probing it; a repeat of the current state is not stored. */
  addTransition(t: number, state: Transition['state'], now = Date.now()): void {
    const sql = this.#tables.sql();
    const [last] = sql.exec<{ state: string }>('SELECT state FROM health_states ORDER BY t DESC LIMIT 1').toArray();
    if (last?.state === state) return;
    sql.exec('INSERT OR REPLACE INTO health_states (t, state) VALUES (?, ?)', t, state);
    this.#tables.written(now);
  }

  /** Probes in [from, to], oldest first. */
  probes(from: number, to: number): Array<Probe & { latency: number | null }> {
    return this.#tables.sql()
      .exec<{ t: number; ok: number; latency_ms: number | null }>('SELECT t, ok, latency_ms FROM health_probes WHERE t >= ? AND t <= ? ORDER BY t', from, to)
      .toArray()
      .map((row) => ({ t: row.t, ok: row.ok === 1, latency: row.latency_ms }));
  }

  /** Transitions up to `to`, oldest first, starting with the last one at or before `from`. */
  transitions(from: number, to: number): Transition[] {
    return this.#tables.sql()
      .exec<Transition>(
        `SELECT t, state FROM health_states
         WHERE t >= coalesce((SELECT max(t) FROM health_states WHERE t <= ?), ?) AND t <= ? ORDER BY t`,
        from,
        from,
        to,
      )
      .toArray();
  }

  /**
   * The intervals over [from, to] (see health-intervals.ts). `asleepBefore`: the cluster was asleep before any
   * transition was recorded (it went to sleep before they were).
   */
  intervals(from: number, to: number, probeIntervalMs: number, asleepBefore = false): ReturnType<typeof healthIntervals> {
    const lookBack = probeIntervalMs * 3;
    const probes = this.probes(from - lookBack, to);
    const transitions = this.transitions(from, to);
    if (asleepBefore && transitions.length === 0) transitions.push({ t: from, state: 'asleep' });
    return healthIntervals(probes, transitions, from, to, probeIntervalMs);
  }

  clear(): void {
    this.#tables.sql().exec('DELETE FROM health_probes; DELETE FROM health_states;');
  }

  /** Deletes what is past its retention at `now`. */
  prune(now: number): void {
    this.#tables.prune(now);
  }
}
