// A point in a database's history, as the restore and branch forms choose it: now, a time inside the restore window,
// or one of its backups. The window comes from GET /v1/clusters/{id}/restore-window; times are typed in the
// browser's time zone (a datetime-local field, to the second) and sent in UTC.
import type { Backup, RestoreWindow } from '../../../protocol/resources.ts';
import { dateTime, preciseTime } from './format.ts';

export type HistoryPoint = { kind: 'now' } | { kind: 'time'; local: string } | { kind: 'backup'; backupId: string };
export type HistoryPointKind = HistoryPoint['kind'];

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as a datetime-local value in the browser's time zone, to the second: "2026-11-27T18:04:05". */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A datetime-local value (read in the browser's time zone) as an ISO instant, or null when it is not a time. */
export function fromLocalInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * The window as the picker's bounds: whole seconds inside it (the earliest rounded up, the latest down), or null
 * when no time can be chosen (no backup yet, or only the backups themselves can be restored).
 */
export function pickerBounds(window: Pick<RestoreWindow, 'earliest' | 'latest' | 'point_in_time'>): { min: string; max: string } | null {
  if (!window.point_in_time || !window.earliest || !window.latest) return null;
  const earliest = Math.ceil(Date.parse(window.earliest) / 1000) * 1000;
  const latest = Math.floor(Date.parse(window.latest) / 1000) * 1000;
  if (latest < earliest) return null;
  return { min: toLocalInput(new Date(earliest).toISOString()), max: toLocalInput(new Date(latest).toISOString()) };
}

/** Why no time can be chosen, in words, or null when one can. */
export function timeUnavailable(window: Pick<RestoreWindow, 'earliest' | 'latest' | 'point_in_time' | 'limitation'> | null): string | null {
  if (!window) return 'the restore window is loading';
  if (!window.point_in_time) return window.limitation ?? 'only the backups themselves can be restored';
  if (!window.earliest || !window.latest) return 'no backup yet';
  return pickerBounds(window) ? null : 'the window is not a second long yet';
}

/** What is wrong with a chosen time, in words, or null. */
export function targetTimeProblem(local: string, window: Pick<RestoreWindow, 'earliest' | 'latest' | 'point_in_time'>): string | null {
  const bounds = pickerBounds(window);
  if (!bounds) return 'No time can be chosen now: pick a backup instead.';
  const iso = fromLocalInput(local);
  if (!iso) return 'Choose a date and a time.';
  const at = Date.parse(iso);
  if (at < Date.parse(fromLocalInput(bounds.min)!) || at > Date.parse(fromLocalInput(bounds.max)!)) {
    return `Choose a time between ${preciseTime(window.earliest!)} and ${preciseTime(window.latest!)}.`;
  }
  return null;
}

/** The backups a point can name: completed ones, newest first. */
export function restorableBackups(backups: readonly Backup[]): Backup[] {
  return backups.filter((b) => b.status === 'completed');
}

/** What the API takes for a point: `{target_time}` or `{backup_id}` (nothing for now), or the problem in words. */
export function pointRequest(point: HistoryPoint, window: Pick<RestoreWindow, 'earliest' | 'latest' | 'point_in_time'> | null): { ok: true; body: { target_time?: string; backup_id?: string } } | { ok: false; error: string } {
  if (point.kind === 'now') return { ok: true, body: {} };
  if (point.kind === 'backup') return point.backupId ? { ok: true, body: { backup_id: point.backupId } } : { ok: false, error: 'Choose a backup.' };
  if (!window) return { ok: false, error: 'The restore window is still loading.' };
  const problem = targetTimeProblem(point.local, window);
  return problem ? { ok: false, error: problem } : { ok: true, body: { target_time: fromLocalInput(point.local)! } };
}

/** A point in words: "its state now", "its state at Nov 27, 2026, 6:04 PM", "its backup of Nov 27, 2026, 3:00 AM". */
export function pointWords(point: HistoryPoint, backups: readonly Backup[]): string {
  if (point.kind === 'now') return 'its newest state';
  if (point.kind === 'time') {
    const iso = fromLocalInput(point.local);
    return iso ? `its state at ${preciseTime(iso)}` : 'a time';
  }
  const backup = backups.find((b) => b.id === point.backupId);
  return backup ? `its backup of ${dateTime(backup.started_at ?? backup.created_at)}` : 'a backup';
}
