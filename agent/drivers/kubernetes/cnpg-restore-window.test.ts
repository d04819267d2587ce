import { describe, expect, it } from 'vitest';
import type { CnpgBackupView } from './cnpg-backup-status.ts';
import { cnpgRestoreWindow, type CnpgHistory } from './cnpg-restore-window.ts';
import type { CnpgCondition } from './cnpg-status.ts';

const now = new Date('2026-03-05T12:00:00.750Z');
const completed = (serverName: string, stoppedAt: string): CnpgBackupView => ({ status: { phase: 'completed', serverName, startedAt: stoppedAt, stoppedAt } });
const archiving = (status: CnpgCondition['status'], reason?: string, message?: string) => ({ status: { conditions: [{ type: 'ContinuousArchiving', status, reason, message }] } });
const history = (overrides: Partial<CnpgHistory>): CnpgHistory => ({ serverName: 'cl_x', objectStore: null, cluster: null, backups: [], now, ...overrides });
const recoveryWindow = { status: { serverRecoveryWindow: { cl_x: { firstRecoverabilityPoint: '2026-03-01T03:04:00Z', lastSuccessfulBackupTime: '2026-03-05T03:04:00Z' } } } };

describe('the restore window on CloudNativePG', () => {
  it('reaches from the first recoverability point to now while WAL archiving works', () => {
    expect(cnpgRestoreWindow(history({ objectStore: recoveryWindow, cluster: archiving('True', 'ContinuousArchivingSuccess') }))).toEqual({
      earliest: '2026-03-01T03:04:00Z',
      latest: '2026-03-05T12:00:00Z',
      pointInTime: true,
      limitation: null,
      walGap: null,
    });
  });

  it('reaches the newest backup only, saying why, when archiving fails or is not reported', () => {
    const failing = cnpgRestoreWindow(history({ objectStore: recoveryWindow, cluster: archiving('False', 'ContinuousArchivingFailing', 'unexpected failure invoking barman-cloud-wal-archive') }));
    expect(failing).toMatchObject({ earliest: '2026-03-01T03:04:00Z', latest: '2026-03-05T03:04:00Z', pointInTime: false, walGap: null });
    expect(failing.limitation).toBe(
      'WAL archiving is failing (ContinuousArchivingFailing: unexpected failure invoking barman-cloud-wal-archive), so only the backups themselves can be restored to',
    );
    const unknown = cnpgRestoreWindow(history({ objectStore: recoveryWindow, cluster: { status: { conditions: [] } } }));
    expect(unknown).toMatchObject({ latest: '2026-03-05T03:04:00Z', pointInTime: false });
    expect(unknown.limitation).toContain('does not report WAL archiving');
  });

  it("falls back to the completed Backups of the cluster's serverName when the ObjectStore says nothing", () => {
    const backups = [
      completed('cl_x', '2026-03-02T03:04:00Z'),
      completed('cl_x', '2026-03-03T03:04:00Z'),
      // Another serverName's (the history before an in-place restore) and one still running do not count.
      completed('cl_old', '2026-02-01T03:04:00Z'),
      { status: { phase: 'running', serverName: 'cl_x', startedAt: '2026-03-04T03:00:00Z' } },
    ];
    expect(cnpgRestoreWindow(history({ objectStore: { status: {} }, backups }))).toMatchObject({
      earliest: '2026-03-02T03:04:00Z',
      latest: '2026-03-03T03:04:00Z',
      pointInTime: false,
    });
  });

  it('takes the newer of the two sources for the newest backup', () => {
    const backups = [completed('cl_x', '2026-03-05T09:00:00Z')];
    expect(cnpgRestoreWindow(history({ objectStore: recoveryWindow, backups })).latest).toBe('2026-03-05T09:00:00Z');
  });

  it('is empty before the first backup', () => {
    expect(cnpgRestoreWindow(history({ cluster: archiving('True') }))).toEqual({ earliest: null, latest: null, pointInTime: false, limitation: null, walGap: null });
  });
});
