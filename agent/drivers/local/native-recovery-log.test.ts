// A native server's own account of a recovery is in its jsonlog (the log collector runs by then), not in postgres.log:
// the engine still reads it there. The case that needs it: a branch at the newest restorable point of a source that
// went to sleep, where no transaction follows the target and the engine must see why recovery ended and replay all.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { archivingNativeDriver } from '../../testing/archiving-native-driver.ts';
import { clusterSpec } from '../../testing/fixtures.ts';
import { findNativeInstallations } from './native-binaries.ts';

const hasNative = (await findNativeInstallations()).length > 0;
const PASSWORD = 'recovery-Secret-3';

describe.skipIf(!hasNative && process.env.CI !== 'true')('native recovery read from the server log', () => {
  const native = archivingNativeDriver({ tag: 'recovery', password: PASSWORD });
  const { apply, records, log } = native;

  it('branches at the newest point of a sleeping source: no transaction after it, so all of the archive is replayed', async () => {
    const source = await apply('cl_rl_source', clusterSpec());
    const client = new pg.Client({ host: '127.0.0.1', port: source.observation.endpoint!.port, user: 'app', password: PASSWORD, database: 'app' });
    await client.connect();
    await client.query("create table t (note text); insert into t values ('kept')");
    await client.end();
    await native.driver.backup({ clusterId: 'cl_rl_source', backupId: 'bk_rl_1', kind: 'manual', spec: clusterSpec(), record: records.get('cl_rl_source')!, sink: native.store });
    await apply('cl_rl_source', clusterSpec({ state: 'sleeping' }));
    const window = await native.driver.restoreWindow('cl_rl_source');
    const branch = await apply('cl_rl_branch', clusterSpec({ source: { cluster_id: 'cl_rl_source', backup_id: null, target_time: window!.latest! } }));
    expect(branch.observation.state).toBe('running');
    expect(log.lines.some((line) => line.includes('replaying all of it'))).toBe(true);
    const reader = new pg.Client({ host: '127.0.0.1', port: branch.observation.endpoint!.port, user: 'app', password: PASSWORD, database: 'app' });
    await reader.connect();
    expect((await reader.query('select note from t')).rows).toEqual([{ note: 'kept' }]);
    await reader.end();
  }, 120_000);
});
