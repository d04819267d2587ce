import { describe, expect, it } from 'vitest';
import { expiredBackups } from './retention.ts';

const now = new Date('2026-11-27T12:00:00Z');
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
const object = (backupId: string, age: number, file = 'base.tar.gz') => ({ key: `clusters/cl_a/base/${backupId}/${file}`, lastModified: daysAgo(age) });

describe('backup retention', () => {
  it('lets go of backups past the retention period, with every object of each', () => {
    const objects = [object('bk_new', 1), object('bk_mid', 5), object('bk_old', 9), object('bk_old', 9, 'base.tar.gz.sha256.json'), object('bk_older', 20)];
    expect(expiredBackups('cl_a', objects, 7, [], now)).toEqual([
      { backupId: 'bk_old', keys: ['clusters/cl_a/base/bk_old/base.tar.gz', 'clusters/cl_a/base/bk_old/base.tar.gz.sha256.json'] },
      { backupId: 'bk_older', keys: ['clusters/cl_a/base/bk_older/base.tar.gz'] },
    ]);
  });

  it('always keeps the newest backup, however old, unless it was deleted through the API', () => {
    expect(expiredBackups('cl_a', [object('bk_only', 400), object('bk_older', 401)], 7, [], now).map((e) => e.backupId)).toEqual(['bk_older']);
    expect(expiredBackups('cl_a', [object('bk_only', 1)], 7, ['bk_only'], now).map((e) => e.backupId)).toEqual(['bk_only']);
  });

  it("touches only the cluster's own base backups", () => {
    expect(expiredBackups('cl_a', [{ key: 'clusters/cl_b/base/bk_x/base.tar.gz', lastModified: daysAgo(30) }, { key: 'clusters/cl_a/wal/000000010000000000000001', lastModified: daysAgo(30) }], 7, [], now)).toEqual([]);
  });
});
