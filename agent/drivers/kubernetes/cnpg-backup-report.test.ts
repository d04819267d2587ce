import { describe, expect, it } from 'vitest';
import { ID_PATTERN } from '../../../protocol/ids.ts';
import { alreadyReported, backupIdentity, backupReportOf, derivedBackupId, REPORTED_ANNOTATION, SCHEDULED_BACKUP_LABEL, type CnpgBackupObject } from './cnpg-backup-report.ts';
import { BACKUP_ID_ANNOTATION, BACKUP_KIND_ANNOTATION, CLUSTER_ID_ANNOTATION } from './manifests.ts';

const scheduled = (status: CnpgBackupObject['status'], annotations: Record<string, string> = {}): CnpgBackupObject => ({
  metadata: {
    name: 'scheduled-20260301030000',
    namespace: 'orochi-cl-x',
    uid: '6f1c2a4e-90d3-4d55-8a1e-7c1f6a0b9e21',
    creationTimestamp: '2026-03-01T03:00:00Z',
    labels: { [SCHEDULED_BACKUP_LABEL]: 'scheduled', 'cnpg.io/cluster': 'postgres' },
    annotations,
  },
  status,
});

describe('backup ids of CloudNativePG Backups', () => {
  it('derives a bk_ id the control plane accepts, the same on every read, distinct per uid, ordered by creation', () => {
    const id = derivedBackupId('6f1c2a4e-90d3-4d55-8a1e-7c1f6a0b9e21', '2026-03-01T03:00:00Z');
    expect(id).toMatch(ID_PATTERN);
    expect(id.startsWith('bk_')).toBe(true);
    expect(derivedBackupId('6f1c2a4e-90d3-4d55-8a1e-7c1f6a0b9e21', '2026-03-01T03:00:00Z')).toBe(id);
    expect(derivedBackupId('0d2b9f57-5b5e-4c61-9f7d-3c0a1f2e4b68', '2026-03-01T03:00:00Z')).not.toBe(id);
    expect(derivedBackupId('a', '2026-03-01T03:00:00Z') < derivedBackupId('a', '2026-03-02T03:00:00Z')).toBe(true);
  });

  it("keeps the agent's own id and kind on the Backups it named, and calls a schedule's Backups scheduled", () => {
    const own = scheduled({ phase: 'completed' }, { [BACKUP_ID_ANNOTATION]: 'bk_01jd3k5x8r2m9q7v4w6y0z1a2b', [BACKUP_KIND_ANNOTATION]: 'automatic' });
    expect(backupIdentity(own)).toEqual({ backupId: 'bk_01jd3k5x8r2m9q7v4w6y0z1a2b', kind: 'automatic' });
    expect(backupIdentity(scheduled({}))).toEqual({ backupId: derivedBackupId('6f1c2a4e-90d3-4d55-8a1e-7c1f6a0b9e21', '2026-03-01T03:00:00Z'), kind: 'scheduled' });
    // Made by hand: no schedule label, so a backup on demand.
    const byHand = { ...scheduled({}), metadata: { ...scheduled({}).metadata, labels: {} } };
    expect(backupIdentity(byHand)?.kind).toBe('manual');
    expect(backupIdentity({ metadata: { name: 'x' } })).toBeNull();
  });
});

describe('a Backup as a backup report', () => {
  it('reports a Backup under way as running from its start', () => {
    expect(backupReportOf(scheduled({ phase: 'running', startedAt: '2026-03-01T03:00:01Z' }), 'cl_x')).toMatchObject({
      cluster_id: 'cl_x',
      kind: 'scheduled',
      status: 'running',
      started_at: '2026-03-01T03:00:01Z',
      finished_at: null,
    });
    // Not picked up by the operator yet: running since it was made.
    expect(backupReportOf(scheduled(undefined), 'cl_x')).toMatchObject({ status: 'running', started_at: '2026-03-01T03:00:00Z' });
  });

  it('reports a completed Backup with its LSNs and times, its size unknown', () => {
    const report = backupReportOf(
      scheduled({ phase: 'completed', startedAt: '2026-03-01T03:00:01Z', stoppedAt: '2026-03-01T03:04:00Z', beginLSN: '0/2000028', endLSN: '0/2000138' }),
      'cl_x',
    );
    expect(report).toEqual({
      cluster_id: 'cl_x',
      backup_id: derivedBackupId('6f1c2a4e-90d3-4d55-8a1e-7c1f6a0b9e21', '2026-03-01T03:00:00Z'),
      kind: 'scheduled',
      status: 'completed',
      started_at: '2026-03-01T03:00:01Z',
      finished_at: '2026-03-01T03:04:00Z',
      size_bytes: null,
      begin_lsn: '0/2000028',
      end_lsn: '0/2000138',
      begin_time: '2026-03-01T03:00:01Z',
      end_time: '2026-03-01T03:04:00Z',
      error: null,
    });
  });

  it('reports a failed Backup with its error', () => {
    expect(backupReportOf(scheduled({ phase: 'failed', startedAt: '2026-03-01T03:00:01Z', stoppedAt: '2026-03-01T03:00:09Z', error: 'no space left' }), 'cl_x')).toMatchObject({
      status: 'failed',
      finished_at: '2026-03-01T03:00:09Z',
      error: 'CloudNativePG Backup scheduled-20260301030000 failed: no space left',
    });
  });

  it('knows a final phase it already reported, and nothing else', () => {
    expect(alreadyReported(scheduled({ phase: 'completed' }, { [REPORTED_ANNOTATION]: 'completed' }))).toBe(true);
    expect(alreadyReported(scheduled({ phase: 'failed' }, { [REPORTED_ANNOTATION]: 'failed' }))).toBe(true);
    expect(alreadyReported(scheduled({ phase: 'completed' }))).toBe(false);
    expect(alreadyReported(scheduled({ phase: 'running' }, { [REPORTED_ANNOTATION]: 'running' }))).toBe(false);
    expect(alreadyReported(scheduled({ phase: 'completed' }, { [REPORTED_ANNOTATION]: 'failed', [CLUSTER_ID_ANNOTATION]: 'cl_x' }))).toBe(false);
  });
});
