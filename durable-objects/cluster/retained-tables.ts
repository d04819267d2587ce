// A telemetry store's tables in a ClusterDO's SQLite storage: made on first use (clusters made before them have
// none), and cleared of what is past its retention after writes, at most once a minute rather than on every one.

const PRUNE_EVERY_MS = 60_000;

export class RetainedTables {
  #ready = false;
  #prunedAt = 0;

  constructor(
    private readonly storage: SqlStorage,
    private readonly options: {
      /** CREATE TABLE IF NOT EXISTS statements. */
      schema: string;
      /** Deletes the rows past their retention at `nowMs`. */
      deleteExpired: (sql: SqlStorage, nowMs: number) => void;
    },
  ) {}

  /** The storage, its tables made. */
  sql(): SqlStorage {
    if (!this.#ready) {
      this.storage.exec(this.options.schema);
      this.#ready = true;
    }
    return this.storage;
  }

  /** After a write: prunes when the last prune is a minute old. */
  written(nowMs: number): void {
    if (nowMs - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.prune(nowMs);
  }

  /** Deletes what is past its retention at `nowMs`. */
  prune(nowMs: number): void {
    const sql = this.sql();
    this.#prunedAt = nowMs;
    this.options.deleteExpired(sql, nowMs);
  }
}
