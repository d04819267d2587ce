// A cluster's history as its folder in the object store holds it: its completed base backups (each `backup.json`)
// and its archived WAL, read to report what it can be restored to and to plan a restore or a branch from it.
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { backupFor, historyFileName, parseHistory, restoreWindow, timelineAt, type ArchivedFile, type BaseBackupInfo, type RestoreWindow, type TimelineSwitch } from './wal-history.ts';
import { COMPRESSED_SUFFIX, decompress } from './compression.ts';
import { baseBackupKey, clusterBackupsPrefix, walKey, walPrefix } from './layout.ts';

export interface HistoryStore {
  list(prefix: string): Promise<Array<{ key: string; lastModified: Date | null }>>;
  get(key: string): Promise<{ body: Readable }>;
}

export interface ClusterHistory {
  backups: BaseBackupInfo[];
  files: ArchivedFile[];
}

/** A completed backup's `backup.json`. */
export async function readBackupInfo(store: Pick<HistoryStore, 'get'>, key: string): Promise<BaseBackupInfo> {
  return JSON.parse((await buffer((await store.get(key)).body)).toString('utf8')) as BaseBackupInfo;
}

export async function readHistory(store: HistoryStore, clusterId: string): Promise<ClusterHistory> {
  const objects = await store.list(clusterBackupsPrefix(clusterId));
  const wal = walPrefix(clusterId);
  const files: ArchivedFile[] = [];
  const infoKeys: string[] = [];
  for (const object of objects) {
    if (object.key.startsWith(wal) && object.key.endsWith(COMPRESSED_SUFFIX)) {
      files.push({ name: object.key.slice(wal.length, -COMPRESSED_SUFFIX.length), archivedAt: object.lastModified ?? new Date(0) });
    } else if (object.key.endsWith('/backup.json')) {
      infoKeys.push(object.key);
    }
  }
  const backups = await Promise.all(
    infoKeys.map((key) => readBackupInfo(store, key)),
  );
  return { backups, files };
}

export function windowOf(history: ClusterHistory): RestoreWindow {
  return restoreWindow(history.backups, history.files);
}

/** Why a restore cannot be made as asked, in words for the person who asked. */
export class RestoreRefused extends Error {
  override readonly name = 'RestoreRefused';
}

export type Recovery =
  /** Replay only what the backup needs to be consistent. */
  | { kind: 'backup' }
  /** Replay to the moment, following the timeline the cluster was on then. */
  | { kind: 'time'; time: string; timeline: number }
  /** Replay everything archived. */
  | { kind: 'latest' };

export interface RestorePlan {
  sourceClusterId: string;
  backup: BaseBackupInfo;
  baseKey: string;
  recovery: Recovery;
}

/** Which backup to start from and how far to replay, for a point of the source's history (both null: the newest). */
export async function planRestore(
  store: HistoryStore,
  sourceClusterId: string,
  point: { backup_id: string | null; target_time: string | null },
): Promise<RestorePlan> {
  const history = await readHistory(store, sourceClusterId);
  const plan = (backup: BaseBackupInfo, recovery: Recovery): RestorePlan => ({
    sourceClusterId,
    backup,
    baseKey: baseBackupKey(sourceClusterId, backup.backup_id),
    recovery,
  });
  if (point.backup_id !== null) {
    const backup = history.backups.find((candidate) => candidate.backup_id === point.backup_id);
    if (!backup) throw new RestoreRefused(`backup ${point.backup_id} is not in the object store (deleted by retention?)`);
    return plan(backup, { kind: 'backup' });
  }
  if (history.backups.length === 0) throw new RestoreRefused(`cluster ${sourceClusterId} has no completed backup to restore from`);
  const window = windowOf(history);
  if (point.target_time === null) {
    const newest = [...history.backups].sort((a, b) => b.end_time.localeCompare(a.end_time))[0]!;
    return plan(newest, window.pointInTime ? { kind: 'latest' } : { kind: 'backup' });
  }
  if (!window.pointInTime) throw new RestoreRefused(window.limitation ?? 'this cluster cannot be restored to a point in time');
  const time = new Date(point.target_time);
  if (time.getTime() < new Date(window.earliest!).getTime() || time.getTime() > new Date(window.latest!).getTime()) {
    throw new RestoreRefused(`${point.target_time} is outside what the archive can restore to (${window.earliest} to ${window.latest})`);
  }
  const timeline = timelineAt(time, history.files, history.backups);
  const switches = timeline > 1 && history.files.some((file) => file.name === historyFileName(timeline)) ? await readTimelineHistory(store, sourceClusterId, timeline) : [];
  const backup = backupFor(time, timeline, switches, history.backups);
  if (!backup) throw new RestoreRefused(`no backup of cluster ${sourceClusterId} ends before ${point.target_time} on the history it had then`);
  return plan(backup, { kind: 'time', time: time.toISOString(), timeline });
}

async function readTimelineHistory(store: HistoryStore, clusterId: string, timeline: number): Promise<TimelineSwitch[]> {
  const bytes = await buffer((await store.get(walKey(clusterId, historyFileName(timeline)))).body);
  return parseHistory((await decompress(bytes)).toString('utf8'));
}
