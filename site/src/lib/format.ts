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
