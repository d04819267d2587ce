import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKUP_SPEC } from '../../../protocol/agent.ts';
import type { Backup } from '../../../protocol/resources.ts';
import { backupSettings, DEFAULT_BACKUP_SCHEDULE, DEFAULT_RETENTION_DAYS, retentionProblem, withBackup, withFetchedBackups } from './backups.ts';

function backup(id: string, over: Partial<Backup> = {}): Backup {
  return {
    id,
    cluster_id: 'cl_1',
    kind: 'manual',
    status: 'pending',
    operation_id: null,
    started_at: null,
    finished_at: null,
    duration_ms: null,
    size_bytes: null,
    begin_lsn: null,
    end_lsn: null,
    begin_time: null,
    end_time: null,
    error: null,
    created_at: '2026-11-27T10:00:00.000Z',
    updated_at: '2026-11-27T10:00:00.000Z',
    ...over,
  };
}

describe('backup settings', () => {
  it("defaults to the agent's schedule and retention", () => {
    expect({ schedule: DEFAULT_BACKUP_SCHEDULE, retention_days: DEFAULT_RETENTION_DAYS }).toEqual({ schedule: DEFAULT_BACKUP_SPEC.schedule, retention_days: DEFAULT_BACKUP_SPEC.retention_days });
    expect(backupSettings({ settings: {} })).toEqual({ schedule: '0 3 * * *', retentionDays: 7 });
    expect(backupSettings({ settings: { backup_schedule: '30 2 * * *', backup_retention_days: 14 } })).toEqual({ schedule: '30 2 * * *', retentionDays: 14 });
  });

  it('checks the retention typed', () => {
    expect(retentionProblem('')).toMatch(/Enter/);
    expect(retentionProblem('1.5')).toMatch(/whole number/);
    expect(retentionProblem('0')).toMatch(/between 1 and 3,650/);
    expect(retentionProblem('30')).toBeNull();
  });
});

describe('keeping the shown backups current', () => {
  it('puts new backups first, keeps the fresher copy, and takes deleted ones out', () => {
    const older = backup('bk_01', { status: 'completed' });
    const running = backup('bk_02', { status: 'running', updated_at: '2026-11-27T10:00:05.000Z' });
    let list = withBackup([older], running);
    expect(list.map((b) => b.id)).toEqual(['bk_02', 'bk_01']);
    // The POST's answer (pending) arriving after the live update (running) does not put the older state back.
    list = withBackup(list, backup('bk_02'));
    expect(list[0]!.status).toBe('running');
    list = withBackup(list, backup('bk_02', { status: 'completed', updated_at: '2026-11-27T10:00:09.000Z' }));
    expect(list[0]!.status).toBe('completed');
    list = withBackup(list, backup('bk_01', { status: 'deleted', updated_at: '2026-11-27T10:01:00.000Z' }));
    expect(list.map((b) => b.id)).toEqual(['bk_02']);
  });

  it('keeps a live update when a read comes back with an older copy', () => {
    const completed = backup('bk_02', { status: 'completed', updated_at: '2026-11-27T10:00:09.000Z' });
    expect(withFetchedBackups([completed], [backup('bk_02', { status: 'running', updated_at: '2026-11-27T10:00:05.000Z' }), backup('bk_01')])).toEqual([completed, backup('bk_01')]);
  });
});
