// What the RegionDO knows of its region between events, in its SQLite storage (the object forgets its fields when
// it hibernates): which region it is, whether it was deleted, whether an agent is online and when it was last heard.
const KEYS = ['region_id', 'revoked', 'online', 'last_seen_at'] as const;
type Key = (typeof KEYS)[number];

export class RegionState {
  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  }

  get regionId(): string | null {
    return this.get('region_id');
  }
  set regionId(id: string) {
    this.set('region_id', id);
  }

  get revoked(): boolean {
    return this.get('revoked') === '1';
  }
  markRevoked(): void {
    this.set('revoked', '1');
  }

  get online(): boolean {
    return this.get('online') === '1';
  }
  set online(value: boolean) {
    this.set('online', value ? '1' : '0');
  }

  get lastSeenAt(): string | null {
    return this.get('last_seen_at');
  }
  set lastSeenAt(iso: string) {
    this.set('last_seen_at', iso);
  }

  private get(key: Key): string | null {
    const [row] = this.sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray();
    return row?.value ?? null;
  }

  private set(key: Key, value: string): void {
    this.sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }
}
