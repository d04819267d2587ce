// When the simulated operator's ScheduledBackups are due, and how it names the Backups they make, as CloudNativePG
// does (internal/controller/scheduledbackup_controller.go): robfig/cron schedules with a leading seconds field (the
// agent renders `0 <five fields>`, see cnpgSchedule), and Backups named `<scheduled backup>-<YYYYMMDDhhmmss>` of the
// time they were due, labelled with the Cluster, whether it was the immediate one, and the ScheduledBackup.
import { nextRun, parseCron } from '../../backup/schedule.ts';

export const CLUSTER_LABEL = 'cnpg.io/cluster';
export const IMMEDIATE_BACKUP_LABEL = 'cnpg.io/immediateBackup';
export const PARENT_SCHEDULED_BACKUP_LABEL = 'cnpg.io/scheduled-backup';

/**
 * The first time strictly after `after` a schedule is due. Five fields, or six with a single second first (all the
 * agent writes); the stand-in refuses other seconds fields rather than guess them.
 */
export function nextScheduledTime(schedule: string, after: Date): Date | null {
  const fields = schedule.trim().split(/\s+/);
  let second = 0;
  if (fields.length === 6) {
    const first = fields.shift()!;
    if (!/^\d{1,2}$/.test(first) || Number(first) > 59) throw new Error(`the stand-in takes one second (0-59) in a six-field schedule, not ${JSON.stringify(first)}`);
    second = Number(first);
  }
  const minute = nextRun(parseCron(fields.join(' ')), new Date(after.getTime() - second * 1000));
  return minute && new Date(minute.getTime() + second * 1000);
}

/** CNPG's compact ISO 8601 (utils.ToCompactISO8601), UTC. */
export function scheduledBackupName(scheduledBackup: string, at: Date): string {
  return `${scheduledBackup}-${at.toISOString().replace(/\.\d+Z$/, '').replace(/[-:T]/g, '')}`;
}
