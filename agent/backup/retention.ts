// Which of a cluster's base backups its retention lets go: those older than the retention period, and those
// deleted through the API, but never the newest one, so a cluster always keeps a backup to restore from; and the
// archived WAL no kept backup needs: segments before the oldest kept backup began (timeline histories stay, they
// are tiny and every later timeline's restore reads them).
import { COMPRESSED_SUFFIX } from './compression.ts';
import { clusterBackupsPrefix, walPrefix } from './layout.ts';
import { lsnSegment, parseSegmentName } from './wal-history.ts';

export interface StoredObject {
  key: string;
  lastModified: Date | null;
}

export interface Expired {
  backupId: string;
  keys: string[];
}

const DAY = 24 * 60 * 60 * 1000;

/** The backups to remove, each with all of its objects (archive, checksum manifest). */
export function expiredBackups(clusterId: string, objects: StoredObject[], retentionDays: number, deletedIds: readonly string[], now: Date): Expired[] {
  const base = `${clusterBackupsPrefix(clusterId)}base/`;
  const byBackup = new Map<string, { keys: string[]; newest: number }>();
  for (const object of objects) {
    if (!object.key.startsWith(base)) continue;
    const backupId = object.key.slice(base.length).split('/')[0];
    if (!backupId) continue;
    const entry = byBackup.get(backupId) ?? { keys: [], newest: 0 };
    entry.keys.push(object.key);
    entry.newest = Math.max(entry.newest, object.lastModified?.getTime() ?? now.getTime());
    byBackup.set(backupId, entry);
  }
  const newestFirst = [...byBackup].sort((a, b) => b[1].newest - a[1].newest);
  const cutoff = now.getTime() - retentionDays * DAY;
  const deleted = new Set(deletedIds);
  return newestFirst
    .filter(([backupId, entry], index) => deleted.has(backupId) || (index > 0 && entry.newest < cutoff))
    .map(([backupId, entry]) => ({ backupId, keys: entry.keys }));
}

/** WAL files older than the segment the oldest kept backup began in; none when that is unknown. */
export function expiredWal(clusterId: string, objects: readonly StoredObject[], oldestKeptBeginLsn: string | null): string[] {
  if (oldestKeptBeginLsn === null) return [];
  const needed = lsnSegment(oldestKeptBeginLsn);
  const prefix = walPrefix(clusterId);
  const keys: string[] = [];
  for (const object of objects) {
    if (!object.key.startsWith(prefix) || !object.key.endsWith(COMPRESSED_SUFFIX)) continue;
    // Segments, their partial copies from a promotion and backup labels are named by their segment's position.
    const segment = parseSegmentName(object.key.slice(prefix.length, -COMPRESSED_SUFFIX.length).slice(0, 24));
    if (segment && segment.seq < needed) keys.push(object.key);
  }
  return keys;
}
