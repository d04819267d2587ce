import { describe, expect, it } from 'vitest';
import { nextRun, parseCron } from './schedule.ts';

const next = (cron: string, after: string) => nextRun(parseCron(cron), new Date(after))?.toISOString() ?? null;

describe('backup schedules (cron, UTC)', () => {
  it('finds the next run of common schedules', () => {
    expect(next('0 3 * * *', '2026-11-27T02:59:30Z')).toBe('2026-11-27T03:00:00.000Z');
    expect(next('0 3 * * *', '2026-11-27T03:00:00Z')).toBe('2026-11-28T03:00:00.000Z');
    expect(next('*/15 * * * *', '2026-11-27T10:07:00Z')).toBe('2026-11-27T10:15:00.000Z');
    expect(next('30 2 * * 0', '2026-11-27T00:00:00Z')).toBe('2026-11-29T02:30:00.000Z'); // the Sunday after a Friday
    expect(next('0 0 1 1 *', '2026-11-27T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('0 12 * * 1-5', '2026-11-28T13:00:00Z')).toBe('2026-11-30T12:00:00.000Z'); // Saturday -> Monday
    expect(next('0 6,18 * * *', '2026-11-27T07:00:00Z')).toBe('2026-11-27T18:00:00.000Z');
    expect(next('0 0 29 2 *', '2026-11-27T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('takes a day matching either day field when both are restricted, as cron does', () => {
    // The 1st of the month or a Monday.
    expect(next('0 0 1 * 1', '2026-11-27T00:00:00Z')).toBe('2026-11-30T00:00:00.000Z');
  });

  it('refuses what is not a schedule', () => {
    for (const bad of ['0 3 * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '*/0 * * * *', '5-1 * * * *', 'a * * * *']) {
      expect(() => parseCron(bad), bad).toThrow();
    }
    expect(nextRun(parseCron('0 0 31 2 *'), new Date('2026-01-01T00:00:00Z'))).toBeNull();
  });
});
