import { describe, expect, it } from 'vitest';
import { nextScheduledTime, scheduledBackupName } from './cnpg-schedule.ts';

describe("the simulated operator's schedules", () => {
  it('finds the next time of a six-field schedule, its second included, strictly after the given time', () => {
    expect(nextScheduledTime('0 * * * * *', new Date('2026-03-01T10:00:30Z'))).toEqual(new Date('2026-03-01T10:01:00Z'));
    expect(nextScheduledTime('30 * * * * *', new Date('2026-03-01T10:00:29Z'))).toEqual(new Date('2026-03-01T10:00:30Z'));
    expect(nextScheduledTime('30 * * * * *', new Date('2026-03-01T10:00:30Z'))).toEqual(new Date('2026-03-01T10:01:30Z'));
    expect(nextScheduledTime('0 0 3 * * *', new Date('2026-03-01T10:00:00Z'))).toEqual(new Date('2026-03-02T03:00:00Z'));
    expect(nextScheduledTime('0 3 * * *', new Date('2026-03-01T10:00:00Z'))).toEqual(new Date('2026-03-02T03:00:00Z'));
  });

  it('refuses a seconds field it does not simulate', () => {
    expect(() => nextScheduledTime('*/5 * * * * *', new Date())).toThrow(/one second/);
  });

  it('names a Backup after its ScheduledBackup and the time it was due, as CloudNativePG does', () => {
    expect(scheduledBackupName('scheduled', new Date('2026-03-01T03:00:00.123Z'))).toBe('scheduled-20260301030000');
  });
});
