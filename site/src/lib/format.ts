// Words and numbers as people read them.
const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", "yesterday", "just now". */
export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}

const statusWords: Record<string, string> = {
  provisioning: 'Provisioning',
  running: 'Running',
  updating: 'Updating',
  sleeping: 'Sleeping',
  waking: 'Waking',
  deleting: 'Deleting',
  deleted: 'Deleted',
  failed: 'Failed',
  online: 'Online',
  offline: 'Offline',
  pending: 'Waiting for agent',
  finished: 'Finished',
  cancelled: 'Cancelled',
};

export function statusLabel(status: string): string {
  return statusWords[status] ?? status;
}

export function usd(amount: number): string {
  return amount.toLocaleString('en', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: amount < 1 ? 3 : 2 });
}

export function gb(value: number): string {
  return `${value.toLocaleString('en', { maximumFractionDigits: 2 })} GB`;
}

const actionWords: Record<string, string> = {
  create: 'Create',
  update: 'Update settings',
  resize: 'Resize',
  sleep: 'Sleep',
  wake: 'Wake',
  delete: 'Delete',
  rotate_password: 'Rotate password',
  backup: 'Backup',
  restore: 'Restore',
  branch: 'Branch',
};

/** An operation's action as a person says it. */
export function actionLabel(action: string): string {
  return actionWords[action] ?? action;
}

/** "850 ms", "12 s", "3 min 5 s", "2 h 5 min". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB', 'PB'];

/** A size in bytes as people read it, in powers of 1024: "512 B", "1.5 KB", "2.1 GB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  let value = n;
  let unit = -1;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // Rounding can reach the next unit: 1023.96 KB reads as 1 MB, not "1,024 KB".
  if (Number(value.toFixed(1)) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toLocaleString('en', { maximumFractionDigits: value < 10 ? 1 : 0 })} ${BYTE_UNITS[unit]}`;
}

/** A moment to the second, for restore points: "Nov 27, 2026, 6:04:05 PM". */
export function preciseTime(iso: string): string {
  return new Date(iso).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'medium' });
}
