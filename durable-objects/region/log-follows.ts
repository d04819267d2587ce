// The clusters whose server log someone is watching, in the RegionDO's SQLite storage: the agent forgets what it
// follows when it reconnects, so each is asked for again after every hello.
export class LogFollows {
  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS log_follows (cluster_id TEXT PRIMARY KEY, since INTEGER NOT NULL)');
  }

  set(clusterId: string, on: boolean): void {
    if (on) this.sql.exec('INSERT OR IGNORE INTO log_follows (cluster_id, since) VALUES (?, ?)', clusterId, Date.now());
    else this.sql.exec('DELETE FROM log_follows WHERE cluster_id = ?', clusterId);
  }

  clusterIds(): string[] {
    return this.sql
      .exec<{ cluster_id: string }>('SELECT cluster_id FROM log_follows ORDER BY since')
      .toArray()
      .map((row) => row.cluster_id);
  }
}
