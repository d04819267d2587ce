// Point-in-time restore and branches on the local driver, end to end below the control plane: native PostgreSQL
// archiving its WAL through the agent's archiver (curl over the socket) into the embedded object store, then a
// branch at a time, a branch from a backup, and an in-place restore, each checked by the rows it answers with.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { findNativeInstallations } from '../drivers/local/native-binaries.ts';
import { archivingNativeDriver } from '../testing/archiving-native-driver.ts';
import { clusterSpec } from '../testing/fixtures.ts';
import { walPrefix } from './layout.ts';

const hasNative = (await findNativeInstallations()).length > 0;
const PASSWORD = 'pitr-Secret-1';

describe.skipIf(!hasNative && process.env.CI !== 'true')('point-in-time restore on native PostgreSQL', () => {
  const native = archivingNativeDriver({ tag: 'pitr', password: PASSWORD });
  const { apply, records, log } = native;

  afterAll(() => {
    if (process.env.PITR_DEBUG) console.log(log.lines.join('\n'));
  });
  const query = async (port: number, sql: string) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'app', password: PASSWORD, database: 'app' });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const notes = async (port: number) => (await query(port, 'select note from t order by id')).map((row) => row.note as string);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('restores to between two writes, branches from a time and a backup, and restores in place', async () => {
    const parent = await apply('cl_pitr_parent', clusterSpec());
    const port = parent.observation.endpoint!.port;
    await query(port, 'create table t (id serial primary key, note text)');
    await query(port, "insert into t (note) values ('t1')");
    await pause(50);
    const backup = await native.driver.backup({ clusterId: 'cl_pitr_parent', backupId: 'bk_pitr_1', kind: 'manual', spec: clusterSpec(), record: records.get('cl_pitr_parent')!, sink: native.store });
    expect(backup.sizeBytes).toBeGreaterThan(0);
    await pause(50);
    const afterT1 = new Date().toISOString();
    await pause(50);
    await query(port, "insert into t (note) values ('t2')");
    await pause(50);
    const betweenT2AndT3 = new Date().toISOString();
    await pause(50);
    await query(port, "insert into t (note) values ('t3')");

    // A branch at a time in the past: the source archives what it has first, then the branch replays to the time.
    const branch = await apply('cl_pitr_branch', clusterSpec({ source: { cluster_id: 'cl_pitr_parent', backup_id: null, target_time: betweenT2AndT3 } }));
    expect(branch.restored).toBe(true);
    expect(await notes(branch.observation.endpoint!.port)).toEqual(['t1', 't2']);
    expect(await notes(port)).toEqual(['t1', 't2', 't3']);
    // The branch archives into its own place, never its parent's.
    await query(branch.observation.endpoint!.port, "insert into t (note) values ('branch only')");
    expect((await native.store.list(walPrefix('cl_pitr_branch'))).some((object) => object.key.endsWith('.history.zst'))).toBe(true);

    const window = await native.driver.restoreWindow('cl_pitr_parent');
    expect(window).toMatchObject({ pointInTime: true, walGap: null });
    expect(Date.parse(window!.latest!)).toBeGreaterThan(Date.parse(betweenT2AndT3));

    // A branch from the backup holds exactly what the backup held.
    const fromBackup = await apply('cl_pitr_from_backup', clusterSpec({ source: { cluster_id: 'cl_pitr_parent', backup_id: 'bk_pitr_1', target_time: null } }));
    expect(await notes(fromBackup.observation.endpoint!.port)).toEqual(['t1']);

    // In place, to just after t1: the parent answers with t1 alone, on the same cluster id.
    const restored = await apply('cl_pitr_parent', clusterSpec({ restore: { restore_id: 'rs_1', backup_id: null, target_time: afterT1, requested_at: new Date().toISOString() } }));
    expect(restored.restored).toBe(true);
    expect(await notes(restored.observation.endpoint!.port)).toEqual(['t1']);
    // Applying the same restore again changes nothing.
    await query(restored.observation.endpoint!.port, "insert into t (note) values ('after restore')");
    const again = await apply('cl_pitr_parent', clusterSpec({ restore: { restore_id: 'rs_1', backup_id: null, target_time: afterT1, requested_at: new Date().toISOString() } }));
    expect(again.restored).toBe(false);
    expect(await notes(again.observation.endpoint!.port)).toEqual(['t1', 'after restore']);
  }, 240_000);

  it('refuses a time outside what the archive holds, keeping the cluster as it was', async () => {
    await expect(apply('cl_pitr_never', clusterSpec({ source: { cluster_id: 'cl_pitr_nothing', backup_id: null, target_time: null } }))).rejects.toThrow(
      /no completed backup/,
    );
    await expect(
      apply('cl_pitr_too_early', clusterSpec({ source: { cluster_id: 'cl_pitr_parent', backup_id: null, target_time: '2000-01-01T00:00:00Z' } })),
    ).rejects.toThrow(/outside what the archive can restore to/);
  }, 60_000);
});
