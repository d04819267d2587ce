import { describe, expect, it } from 'vitest';
import { fromLocalInput, pickerBounds, pointRequest, targetTimeProblem, timeUnavailable, toLocalInput } from './history-point.ts';

const window = { earliest: '2026-11-27T10:00:00.400Z', latest: '2026-11-27T12:30:59.900Z', point_in_time: true };

describe('choosing a point in the restore window', () => {
  it("reads and writes datetime-local values in the browser's time zone, to the second", () => {
    expect(fromLocalInput(toLocalInput('2026-11-27T10:15:07.000Z'))).toBe('2026-11-27T10:15:07.000Z');
    expect(toLocalInput('2026-11-27T10:15:07.000Z')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('yesterday')).toBeNull();
  });

  it('bounds the picker to whole seconds inside the window', () => {
    const bounds = pickerBounds(window)!;
    expect(fromLocalInput(bounds.min)).toBe('2026-11-27T10:00:01.000Z');
    expect(fromLocalInput(bounds.max)).toBe('2026-11-27T12:30:59.000Z');
    expect(pickerBounds({ ...window, point_in_time: false })).toBeNull();
    expect(pickerBounds({ earliest: null, latest: null, point_in_time: true })).toBeNull();
  });

  it('says why no time can be chosen', () => {
    const limitation = 'PGlite keeps no WAL archive: only its backups can be restored';
    expect(timeUnavailable({ ...window, limitation: null })).toBeNull();
    expect(timeUnavailable(null)).toMatch(/loading/);
    expect(timeUnavailable({ ...window, point_in_time: false, limitation })).toBe(limitation);
    expect(timeUnavailable({ earliest: null, latest: null, point_in_time: true, limitation: null })).toBe('no backup yet');
    // One backup and no WAL after it yet: a single instant, inside no whole second.
    expect(timeUnavailable({ earliest: '2026-11-27T17:55:25.960Z', latest: '2026-11-27T17:55:25.960Z', point_in_time: true, limitation: null })).toMatch(/not a second long/);
  });

  it('says when a time is outside the window, and sends the time in UTC', () => {
    expect(targetTimeProblem(toLocalInput('2026-11-27T09:59:00.000Z'), window)).toMatch(/^Choose a time between /);
    expect(targetTimeProblem(toLocalInput('2026-11-27T12:31:30.000Z'), window)).toMatch(/^Choose a time between /);
    expect(targetTimeProblem('', window)).toBe('Choose a date and a time.');
    expect(targetTimeProblem(toLocalInput('2026-11-27T11:00:00.000Z'), { ...window, point_in_time: false })).toMatch(/pick a backup/);
    expect(pointRequest({ kind: 'time', local: toLocalInput('2026-11-27T11:00:00.000Z') }, window)).toEqual({ ok: true, body: { target_time: '2026-11-27T11:00:00.000Z' } });
    expect(pointRequest({ kind: 'backup', backupId: 'bk_1' }, null)).toEqual({ ok: true, body: { backup_id: 'bk_1' } });
    expect(pointRequest({ kind: 'backup', backupId: '' }, window)).toEqual({ ok: false, error: 'Choose a backup.' });
    expect(pointRequest({ kind: 'now' }, null)).toEqual({ ok: true, body: {} });
  });
});
