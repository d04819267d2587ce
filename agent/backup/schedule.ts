// Backup schedules: five-field cron expressions (minute hour day-of-month month day-of-week, UTC) as the API accepts
// them (protocol/agent.ts CRON_PATTERN): numbers, `*`, ranges `a-b`, lists `a,b`, steps `*/n` and `a-b/n`. As in cron,
// when both day fields are restricted a day matching either is due.

interface Field {
  min: number;
  max: number;
}

const FIELDS: Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12 },
  { min: 0, max: 7 },
];

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

function parseField(text: string, field: Field): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in ${JSON.stringify(part)}`);
    let low: number;
    let high: number;
    if (range === '*') {
      low = field.min;
      high = field.max;
    } else if (range!.includes('-')) {
      [low, high] = range!.split('-').map(Number) as [number, number];
    } else {
      low = Number(range);
      high = stepText === undefined ? low : field.max;
    }
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < field.min || high > field.max || low > high) {
      throw new Error(`${JSON.stringify(part)} is outside ${field.min}-${field.max}`);
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`a schedule has five fields, not ${parts.length}: ${JSON.stringify(expression)}`);
  const [minutes, hours, days, months, weekdays] = parts.map((part, i) => parseField(part, FIELDS[i]!)) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  // Sunday is 0 and 7.
  if (weekdays.has(7)) weekdays.add(0);
  return { minutes, hours, days, months, weekdays, daysRestricted: parts[2] !== '*', weekdaysRestricted: parts[4] !== '*' };
}

function matches(schedule: CronSchedule, at: Date): boolean {
  if (!schedule.minutes.has(at.getUTCMinutes()) || !schedule.hours.has(at.getUTCHours()) || !schedule.months.has(at.getUTCMonth() + 1)) return false;
  const day = schedule.days.has(at.getUTCDate());
  const weekday = schedule.weekdays.has(at.getUTCDay());
  if (schedule.daysRestricted && schedule.weekdaysRestricted) return day || weekday;
  return day && weekday;
}

const MINUTE = 60_000;
/** Far enough for any schedule that ever fires (Feb 29 on a Sunday is about 28 years). */
const SEARCH_MINUTES = 60 * 24 * 366 * 30;

/** The first minute strictly after `after` the schedule is due, or null for one that never fires. */
export function nextRun(schedule: CronSchedule, after: Date): Date | null {
  let t = Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE;
  for (let i = 0; i < SEARCH_MINUTES; i++, t += MINUTE) {
    const at = new Date(t);
    if (matches(schedule, at)) return at;
    // Whole hours and days that cannot match are skipped, so a yearly schedule is found in a few thousand steps.
    if (!schedule.hours.has(at.getUTCHours())) t += (59 - at.getUTCMinutes()) * MINUTE;
  }
  return null;
}
