// Backup schedules as people read them: a five-field cron expression in UTC (minute hour day-of-month month
// day-of-week) checked field by field, described in words ("Every day at 03:00 UTC") and its next runs listed.
// The grammar and its meaning are the agent's (agent/backup/schedule.ts, which takes the backups): numbers, `*`,
// ranges `a-b`, lists `a,b`, steps `*/n` and `a-b/n`; Sunday is 0 or 7; when both day fields are restricted a day
// matching either is due. site/src/lib/cron.test.ts holds the two to the same next runs.

interface FieldRule {
  name: string;
  min: number;
  max: number;
}

const FIELDS: readonly FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of the month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of the week', min: 0, max: 7 },
];

export interface CronSchedule {
  minutes: number[];
  hours: number[];
  days: number[];
  months: number[];
  /** 0 (Sunday) to 6; a 7 in the expression is read as 0. */
  weekdays: number[];
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
  /** Each field as written, for the words of steps ("every 15 minutes"). */
  fields: [string, string, string, string, string];
}

export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

function parseField(text: string, rule: FieldRule): number[] | string {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    if (!/^(\*|\d+(-\d+)?)(\/\d+)?$/.test(part)) return `The ${rule.name} field has "${part}": use numbers, *, ranges (1-5), lists (1,15) or steps (*/15).`;
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) return `The ${rule.name} field steps by ${step}: a step is at least 1.`;
    let low: number;
    let high: number;
    if (range === '*') {
      low = rule.min;
      high = rule.max;
    } else if (range.includes('-')) {
      [low, high] = range.split('-').map(Number) as [number, number];
    } else {
      low = Number(range);
      high = stepText === undefined ? low : rule.max;
    }
    if (low < rule.min || high > rule.max) return `The ${rule.name} field goes from ${rule.min} to ${rule.max}; "${part}" is outside it.`;
    if (low > high) return `The ${rule.name} field has the range "${range}", which runs backwards.`;
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

export function parseCron(expression: string): CronParse {
  const parts = expression.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 5) {
    return { ok: false, error: `A schedule has five fields (minute hour day month weekday), separated by spaces; this has ${parts.length}.` };
  }
  const parsed: number[][] = [];
  for (const [i, part] of parts.entries()) {
    const values = parseField(part, FIELDS[i]!);
    if (typeof values === 'string') return { ok: false, error: values };
    parsed.push(values);
  }
  const [minutes, hours, days, months, weekdayValues] = parsed as [number[], number[], number[], number[], number[]];
  const weekdays = [...new Set(weekdayValues.map((d) => d % 7))].sort((a, b) => a - b);
  return {
    ok: true,
    schedule: { minutes, hours, days, months, weekdays, daysRestricted: parts[2] !== '*', weekdaysRestricted: parts[4] !== '*', fields: parts as CronSchedule['fields'] },
  };
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const pad = (n: number) => String(n).padStart(2, '0');

/** "a", "a and b", "a, b and c". */
function listWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Consecutive runs of three or more numbers as ranges: [1,2,3,5] -> "1 to 3 and 5", each end named by `name`. */
function ranges(values: number[], name: (n: number) => string = String): string {
  const chunks: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    if (j - i >= 2) chunks.push(`${name(values[i]!)} to ${name(values[j]!)}`);
    else for (let k = i; k <= j; k++) chunks.push(name(values[k]!));
    i = j + 1;
  }
  return listWords(chunks);
}

/** A field written as `*\/n` (or `0/n`): "every n". */
function everyStep(field: string): number | null {
  const match = /^(?:\*|0)\/(\d+)$/.exec(field);
  return match ? Number(match[1]) : null;
}

const ordinal = (n: number) => {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
};

function timeWords(s: CronSchedule): string {
  const [minuteField, hourField] = s.fields;
  const everyHour = hourField === '*';
  if (minuteField === '*' && everyHour) return 'every minute';
  const minuteStep = everyStep(minuteField);
  if (minuteStep !== null && everyHour) return minuteStep === 1 ? 'every minute' : `every ${minuteStep} minutes`;
  if (s.minutes.length === 1 && everyHour) return s.minutes[0] === 0 ? 'every hour, on the hour' : `every hour at minute ${s.minutes[0]}`;
  const times = s.hours.flatMap((h) => s.minutes.map((m) => `${pad(h)}:${pad(m)}`));
  if (times.length <= 6) return `at ${listWords(times)} UTC`;
  const hourStep = everyStep(hourField);
  if (hourStep !== null && s.minutes.length === 1) return `every ${hourStep} hours at minute ${s.minutes[0]}`;
  const minuteWords = minuteStep !== null ? `every ${minuteStep} minutes` : minuteField === '*' ? 'every minute' : `at minute${s.minutes.length > 1 ? 's' : ''} ${ranges(s.minutes)}`;
  return `${minuteWords} during hour${s.hours.length > 1 ? 's' : ''} ${ranges(s.hours, pad)} UTC`;
}

function dayWords(s: CronSchedule): string | null {
  const weekdays = s.weekdays.join(',') === '1,2,3,4,5' ? 'on weekdays' : `on ${ranges(s.weekdays, (d) => WEEKDAYS[d]!)}`;
  const days = `on the ${ranges(s.days, ordinal)} of the month`;
  if (s.daysRestricted && s.weekdaysRestricted) return `${days} or ${weekdays}`;
  if (s.daysRestricted) return days;
  if (s.weekdaysRestricted) return weekdays;
  return null;
}

/** The schedule in words, e.g. "Every day at 03:00 UTC", "Every 6 hours at minute 0 …", "At 02:30 UTC on Sunday". */
export function describeCron(s: CronSchedule): string {
  const time = timeWords(s);
  const days = dayWords(s);
  const months = s.fields[3] === '*' ? null : `in ${ranges(s.months, (m) => MONTHS[m - 1]!)}`;
  const frequent = time.startsWith('every');
  const words = [days === null && !frequent ? `every day ${time}` : time, days, months].filter(Boolean).join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const MINUTE = 60_000;
/** Far enough for any schedule that ever fires (Feb 29 on a Sunday comes round within 28 years). */
const SEARCH_YEARS = 30;

function dayIsDue(s: CronSchedule, at: Date): boolean {
  const day = s.days.includes(at.getUTCDate());
  const weekday = s.weekdays.includes(at.getUTCDay());
  return s.daysRestricted && s.weekdaysRestricted ? day || weekday : day && weekday;
}

/**
 * The next `count` minutes strictly after `after` at which the schedule is due (fewer for one that never fires).
 * Months, days and hours that cannot match are skipped whole, so even a schedule that never fires is settled in a
 * few thousand steps: it is checked as people type.
 */
export function nextRuns(s: CronSchedule, after: Date, count: number): Date[] {
  const runs: Date[] = [];
  const end = Date.UTC(after.getUTCFullYear() + SEARCH_YEARS, 0, 1);
  let t = Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE;
  while (t < end && runs.length < count) {
    const at = new Date(t);
    if (!s.months.includes(at.getUTCMonth() + 1)) t = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
    else if (!dayIsDue(s, at)) t = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1);
    else if (!s.hours.includes(at.getUTCHours())) t = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), at.getUTCHours() + 1);
    else {
      if (s.minutes.includes(at.getUTCMinutes())) runs.push(at);
      t += MINUTE;
    }
  }
  return runs;
}

/** A run time as the schedule speaks it: "Sat, Nov 28, 03:00 UTC". */
export function utcRunTime(at: Date): string {
  return `${at.toLocaleString('en', { timeZone: 'UTC', weekday: 'short', month: 'short', day: 'numeric' })}, ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())} UTC`;
}
