// The RegionDO's command outbox, in its SQLite storage: commands wait here until the agent acks them, and the whole
// outbox is re-sent whenever the agent says hello (at-least-once). Commands are deduplicated by command_id (the
// outbox plus a day of acked ids), and a newer generation of a cluster supersedes older ones still waiting.
import type { Command } from '../../protocol/agent.ts';

const ACKED_RETENTION_MS = 24 * 60 * 60 * 1000;
const MAX_COMMAND_ID_LENGTH = 128;

export type OutboxVerdict = 'stored' | 'known' | 'superseded';

export class CommandOutbox {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        command_id TEXT NOT NULL UNIQUE,
        cluster_id TEXT NOT NULL,
        generation INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS outbox_cluster_idx ON outbox (cluster_id, generation);
      CREATE TABLE IF NOT EXISTS acked (
        command_id TEXT PRIMARY KEY,
        cluster_id TEXT,
        generation INTEGER,
        acked_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS acked_at_idx ON acked (acked_at);
      CREATE INDEX IF NOT EXISTS acked_cluster_idx ON acked (cluster_id, generation);
    `);
  }

  /** Keeps the command unless it is already known or a newer generation of its cluster is; drops older ones. */
  add(cmd: Command, now = Date.now()): OutboxVerdict {
    this.sql.exec('DELETE FROM acked WHERE acked_at < ?', now - ACKED_RETENTION_MS);
    const known = this.sql
      .exec('SELECT 1 FROM outbox WHERE command_id = ? UNION ALL SELECT 1 FROM acked WHERE command_id = ?', cmd.command_id, cmd.command_id)
      .toArray();
    if (known.length > 0) return 'known';
    // Arriving after a newer generation of the same cluster (queue and RPC paths race): already superseded.
    const newer = this.sql
      .exec(
        `SELECT 1 FROM outbox WHERE cluster_id = ? AND generation > ?
         UNION ALL SELECT 1 FROM acked WHERE cluster_id = ? AND generation > ? LIMIT 1`,
        cmd.cluster_id,
        cmd.generation,
        cmd.cluster_id,
        cmd.generation,
      )
      .toArray();
    if (newer.length > 0) return 'superseded';
    this.sql.exec('DELETE FROM outbox WHERE cluster_id = ? AND generation < ?', cmd.cluster_id, cmd.generation);
    this.sql.exec(
      'INSERT INTO outbox (command_id, cluster_id, generation, body) VALUES (?, ?, ?, ?)',
      cmd.command_id,
      cmd.cluster_id,
      cmd.generation,
      JSON.stringify(cmd),
    );
    return 'stored';
  }

  /** The agent holds the command: it leaves the outbox, and its id is remembered a day against duplicates. */
  ack(commandId: string, now = Date.now()): void {
    if (commandId.length === 0 || commandId.length > MAX_COMMAND_ID_LENGTH) return;
    const [queued] = this.sql
      .exec<{ cluster_id: string; generation: number }>('SELECT cluster_id, generation FROM outbox WHERE command_id = ?', commandId)
      .toArray();
    this.sql.exec('DELETE FROM outbox WHERE command_id = ?', commandId);
    this.sql.exec(
      'INSERT OR IGNORE INTO acked (command_id, cluster_id, generation, acked_at) VALUES (?, ?, ?, ?)',
      commandId,
      queued?.cluster_id ?? null,
      queued?.generation ?? null,
      now,
    );
  }

  /** Every command still owed, oldest first. */
  pending(): Command[] {
    return this.sql
      .exec<{ body: string }>('SELECT body FROM outbox ORDER BY seq')
      .toArray()
      .map((row) => JSON.parse(row.body) as Command);
  }

  /** The newest generation waiting per cluster. */
  queuedGenerations(): Map<string, number> {
    const rows = this.sql
      .exec<{ cluster_id: string; generation: number }>('SELECT cluster_id, MAX(generation) AS generation FROM outbox GROUP BY cluster_id')
      .toArray();
    return new Map(rows.map((r) => [r.cluster_id, r.generation]));
  }

  size(): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n;
  }

  clear(): void {
    this.sql.exec('DELETE FROM outbox');
  }
}
