import { describe, expect, it } from 'vitest';
import { nextRun, parseCron as agentParseCron } from '../../../agent/backup/schedule.ts';
import { describeCron, nextRuns, parseCron, utcRunTime, type CronSchedule } from './cron.ts';

function schedule(expression: string): CronSchedule {
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule;
}

const words = (expression: string) => describeCron(schedule(expression));

describe('backup schedules in words', () => {
  it('describes the usual schedules', () => {
    expect(words('0 3 * * *')).toBe('Every day at 03:00 UTC');
    expect(words('30 2 * * 0')).toBe('At 02:30 UTC on Sunday');
    expect(words('0 0 * * 7')).toBe('At 00:00 UTC on Sunday');
    expect(words('*/15 * * * *')).toBe('Every 15 minutes');
    expect(words('* * * * *')).toBe('Every minute');
    expect(words('0 * * * *')).toBe('Every hour, on the hour');
    expect(words('20 * * * *')).toBe('Every hour at minute 20');
    expect(words('0 0,12 * * *')).toBe('Every day at 00:00 and 12:00 UTC');
    expect(words('0 */6 * * *')).toBe('Every day at 00:00, 06:00, 12:00 and 18:00 UTC');
    expect(words('5 */2 * * *')).toBe('Every 2 hours at minute 5');
    expect(words('0 4 * * 1-5')).toBe('At 04:00 UTC on weekdays');
    expect(words('0 4 * * 1,3,5')).toBe('At 04:00 UTC on Monday, Wednesday and Friday');
    expect(words('0 4 1 * *')).toBe('At 04:00 UTC on the 1st of the month');
    expect(words('0 4 1,15 * 6')).toBe('At 04:00 UTC on the 1st and 15th of the month or on Saturday');
    expect(words('0 1 * 1,7 *')).toBe('Every day at 01:00 UTC in January and July');
    expect(words('*/10 8-17 * * 1-5')).toBe('Every 10 minutes during hours 08 to 17 UTC on weekdays');
  });

  it('says what is wrong with a schedule the agent could not run', () => {
    const error = (expression: string) => {
      const parsed = parseCron(expression);
      return parsed.ok ? null : parsed.error;
    };
    expect(error('every day')).toMatch(/five fields.*this has 2/);
    expect(error('0 24 * * *')).toMatch(/hour field goes from 0 to 23; "24" is outside it/);
    expect(error('0 3 * * mon')).toMatch(/day of the week field has "mon"/);
    expect(error('0 3 10-2 * *')).toMatch(/runs backwards/);
    expect(error('*/0 3 * * *')).toMatch(/step is at least 1/);
    expect(error(' 0  3 * * * ')).toBeNull();
  });
});

describe('next runs', () => {
  const from = new Date('2026-11-27T17:40:12.000Z');

  it('lists the next times in UTC', () => {
    expect(nextRuns(schedule('0 3 * * *'), from, 2).map((d) => d.toISOString())).toEqual(['2026-11-28T03:00:00.000Z', '2026-11-29T03:00:00.000Z']);
    expect(utcRunTime(new Date('2026-11-28T03:00:00.000Z'))).toBe('Sat, Nov 28, 03:00 UTC');
    expect(nextRuns(schedule('0 0 31 2 *'), from, 1)).toEqual([]);
  });

  it("agrees with the agent that takes the backups, run after run", () => {
    for (const expression of ['0 3 * * *', '*/7 * * * *', '0 4 1,15 * 6', '30 2 * * 7', '0 0 29 2 *', '5 */5 1-10 * 1-5', '59 23 31 12 *']) {
      const agent = agentParseCron(expression);
      let after = from;
      const ours = nextRuns(schedule(expression), from, 4);
      for (const run of ours) {
        expect({ expression, run: nextRun(agent, after)?.toISOString() }).toEqual({ expression, run: run.toISOString() });
        after = run;
      }
      expect(ours).toHaveLength(4);
    }
  });
});
