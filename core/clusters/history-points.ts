// Checking a point of a cluster's history (a backup of it, or a time) before a restore or a branch is asked of its
// region: the catalog knows the cluster's completed backups and the restore window its region last reported, so a
// point the archive cannot reach is refused here with the window, rather than failing later in the region.
import { and, eq } from 'drizzle-orm';
import { backups } from '../../drizzle/schema.ts';
import type { Queryable } from '../db.ts';
import { ApiError, notFound } from '../errors.ts';
import type { ClusterRow } from './serialize.ts';

export interface HistoryPoint {
  backup_id: string | null;
  target_time: string | null;
}

/**
 * How far past the reported window a time may be while the cluster runs: its region archives what it has done before
 * it restores (archive_timeout keeps the report at most a minute behind), so "a few seconds ago" is reachable.
 */
const RUNNING_SLACK_MS = 5 * 60_000;

/** Refuses a point the cluster's history cannot be restored to (404 for a backup not its own, 422 otherwise). */
export async function requireHistoryPoint(db: Queryable, cluster: ClusterRow, point: HistoryPoint, now = new Date()): Promise<void> {
  if (point.backup_id !== null) {
    const [backup] = await db
      .select({ status: backups.status })
      .from(backups)
      .where(and(eq(backups.id, point.backup_id), eq(backups.clusterId, cluster.id)));
    if (!backup || backup.status === 'deleted') throw notFound('Backup');
    if (backup.status !== 'completed') throw new ApiError('conflict', `Backup ${point.backup_id} is ${backup.status}; only a completed backup can be restored`);
    return;
  }
  const window = { earliest: cluster.restoreEarliest?.toISOString() ?? null, latest: cluster.restoreLatest?.toISOString() ?? null };
  if (window.earliest === null) {
    throw new ApiError('target_outside_window', 'The cluster has no completed backup yet, so there is nothing to restore from; back it up first', {
      details: window,
    });
  }
  if (point.target_time === null) return;
  if (!cluster.restorePointInTime) {
    throw new ApiError('unsupported', cluster.restoreLimitation ?? 'This cluster can be restored only to its backups, not to a point in time', {
      details: window,
    });
  }
  const target = Date.parse(point.target_time);
  const reported = Date.parse(window.latest ?? window.earliest);
  // A running cluster's region archives up to the moment it restores: a little past the report, never past now.
  const running = cluster.status === 'running' || cluster.status === 'updating';
  const latest = running ? Math.max(reported, Math.min(now.getTime(), reported + RUNNING_SLACK_MS)) : reported;
  if (target < Date.parse(window.earliest) || target > latest) {
    throw new ApiError('target_outside_window', `${point.target_time} is outside the restore window (${window.earliest} to ${new Date(latest).toISOString()})`, {
      details: { earliest: window.earliest, latest: new Date(latest).toISOString() },
    });
  }
}
