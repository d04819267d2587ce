import { describe, expect, it } from 'vitest';
import { expiredWal } from './retention.ts';
import { backupFor, isArchiveFileName, lsnSegment, onHistory, parseHistory, parseSegmentName, restoreWindow, segmentName, timelineAt, type BaseBackupInfo } from './wal-history.ts';

const backup = (over: Partial<BaseBackupInfo>): BaseBackupInfo => ({
  backup_id: 'bk_1',
  engine: 'native',
  major: 15,
  timeline: 1,
  begin_lsn: '0/3000028',
  end_lsn: '0/3000100',
  begin_time: '2026-11-27T10:00:00.000Z',
  end_time: '2026-11-27T10:00:01.000Z',
  size_bytes: 100,
  ...over,
});
const file = (name: string, at: string) => ({ name, archivedAt: new Date(at) });

describe('WAL names', () => {
  it('reads and writes segment names as PostgreSQL does', () => {
    expect(parseSegmentName('000000010000000000000003')).toEqual({ timeline: 1, seq: 3 });
    expect(parseSegmentName('0000000200000001000000FF')).toEqual({ timeline: 2, seq: 511 });
    expect(segmentName(2, 511)).toBe('0000000200000001000000FF');
    expect(lsnSegment('1/FF000000')).toBe(511);
    expect(lsnSegment('0/3000028')).toBe(3);
  });

  it('accepts only what PostgreSQL archives', () => {
    for (const name of ['000000010000000000000003', '00000002.history', '000000010000000000000005.partial', '000000010000000000000003.00000028.backup']) {
      expect(isArchiveFileName(name)).toBe(true);
    }
    for (const name of ['../etc/passwd', '00000001', 'base.tar.gz', '000000010000000000000003.zst']) expect(isArchiveFileName(name)).toBe(false);
  });

  it('parses timeline history files', () => {
    expect(parseHistory('1\t0/5000148\tbefore 2026-11-27 10:05:00+00\n2\t0/7000000\tno recovery target specified\n')).toEqual([
      { parent: 1, switchLsn: '0/5000148' },
      { parent: 2, switchLsn: '0/7000000' },
    ]);
    expect(() => parseHistory('garbage')).toThrow(/history line/);
  });
});

describe('choosing where a restore starts', () => {
  const history = [{ parent: 1, switchLsn: '0/5000148' }];

  it('keeps backups of an abandoned history out of a later timeline', () => {
    expect(onHistory(backup({ begin_lsn: '0/3000028' }), 2, history)).toBe(true);
    expect(onHistory(backup({ begin_lsn: '0/6000028' }), 2, history)).toBe(false);
    expect(onHistory(backup({ timeline: 2, begin_lsn: '0/6000028' }), 2, history)).toBe(true);
  });

  it('follows the timeline in effect at the time', () => {
    const files = [file('000000010000000000000003', '2026-11-27T10:01:00Z'), file('00000002.history', '2026-11-27T10:10:00Z')];
    expect(timelineAt(new Date('2026-11-27T10:05:00Z'), files, [])).toBe(1);
    expect(timelineAt(new Date('2026-11-27T10:11:00Z'), files, [])).toBe(2);
  });

  it('takes the newest backup that ended by then', () => {
    const older = backup({ backup_id: 'bk_old' });
    const newer = backup({ backup_id: 'bk_new', begin_lsn: '0/4000028', end_time: '2026-11-27T10:04:00.000Z' });
    expect(backupFor(new Date('2026-11-27T10:03:00Z'), 1, [], [older, newer])?.backup_id).toBe('bk_old');
    expect(backupFor(new Date('2026-11-27T10:05:00Z'), 1, [], [older, newer])?.backup_id).toBe('bk_new');
    expect(backupFor(new Date('2026-11-27T09:00:00Z'), 1, [], [older, newer])).toBeNull();
  });
});

describe('restore windows', () => {
  it('spans the oldest backup to the newest WAL reachable without a break', () => {
    const window = restoreWindow(
      [backup({})],
      [file('000000010000000000000003', '2026-11-27T10:01:00Z'), file('000000010000000000000004', '2026-11-27T10:02:00Z')],
    );
    expect(window).toEqual({ earliest: '2026-11-27T10:00:01.000Z', latest: '2026-11-27T10:02:00.000Z', pointInTime: true, limitation: null, walGap: null });
  });

  it('reports a gap and ends the window at it', () => {
    const window = restoreWindow(
      [backup({})],
      [file('000000010000000000000003', '2026-11-27T10:01:00Z'), file('000000010000000000000005', '2026-11-27T10:03:00Z')],
    );
    expect(window.latest).toBe('2026-11-27T10:01:00.000Z');
    expect(window.walGap).toMatch(/000000010000000000000004 is missing/);
  });

  it('says why a PGlite cluster restores to its backups only', () => {
    const window = restoreWindow([backup({ engine: 'pglite', begin_lsn: null, timeline: null })], []);
    expect(window.pointInTime).toBe(false);
    expect(window.limitation).toMatch(/PGlite/);
  });
});

it('retention removes WAL only from before the oldest kept backup', () => {
  const objects = ['000000010000000000000002', '000000010000000000000003', '00000002.history', '000000010000000000000001.partial'].map((name) => ({
    key: `clusters/cl_1/wal/${name}.zst`,
    lastModified: null,
  }));
  expect(expiredWal('cl_1', objects, '0/3000028')).toEqual(['clusters/cl_1/wal/000000010000000000000002.zst', 'clusters/cl_1/wal/000000010000000000000001.partial.zst']);
  expect(expiredWal('cl_1', objects, null)).toEqual([]);
});
