// A native server's own account of a recovery is in its jsonlog (the log collector runs by then), not in postgres.log:
// the engine still reads it there. The case that needs it: a branch at the newest restorable point of a source that
// went to sleep, where no transaction follows the target and the engine must see why recovery ended and replay all.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedStoreConfig, startObjectStore, type EmbeddedObjectStore } from '../../../dev/object-store.ts';
import type { ClusterSpec } from '../../../protocol/agent.ts';
import { ObjectStore } from '../../backup/object-store.ts';
import { WalArchive } from '../../backup/wal-archive.ts';
import { clusterSpec, collectingLogger, tempDir } from '../../testing/fixtures.ts';
import type { DriverRecord } from '../driver.ts';
import { LocalDriver } from './local-driver.ts';
import { findNativeInstallations } from './native-binaries.ts';
import { serverUser } from './server-user.ts';

const hasNative = (await findNativeInstallations()).length > 0;
const PASSWORD = 'recovery-Secret-3';

describe.skipIf(!hasNative && process.env.CI !== 'true')('native recovery read from the server log', () => {
  let server: EmbeddedObjectStore;
  let store: ObjectStore;
  let wal: WalArchive;
  let driver: LocalDriver;
  let dirs: Array<Awaited<ReturnType<typeof tempDir>>>;
  const records = new Map<string, DriverRecord | null>();
  const log = collectingLogger();

  beforeAll(async () => {
    const storeDir = await tempDir('recovery-store');
    const dataDir = await tempDir('recovery-data');
    dirs = [storeDir, dataDir];
    server = await startObjectStore({ dataDir: storeDir.path });
    store = new ObjectStore(embeddedStoreConfig(server));
    wal = await WalArchive.start({ store, dataDir: dataDir.path, log, owner: await serverUser() });
    driver = new LocalDriver({ dataDir: dataDir.path, log, engine: 'native', archive: { store, wal } });
  }, 60_000);

  afterAll(async () => {
    await driver?.shutdown();
    await wal?.close();
    store?.close();
    await server?.stop();
    for (const dir of dirs ?? []) await dir.remove();
  });

  const apply = async (clusterId: string, spec: ClusterSpec) => {
    const result = await driver.apply({ clusterId, spec, password: PASSWORD, record: records.get(clusterId) ?? null, emit: () => undefined });
    records.set(clusterId, result.record);
    return result;
  };

  it('branches at the newest point of a sleeping source: no transaction after it, so all of the archive is replayed', async () => {
    const source = await apply('cl_rl_source', clusterSpec());
    const client = new pg.Client({ host: '127.0.0.1', port: source.observation.endpoint!.port, user: 'app', password: PASSWORD, database: 'app' });
    await client.connect();
    await client.query("create table t (note text); insert into t values ('kept')");
    await client.end();
    await driver.backup({ clusterId: 'cl_rl_source', backupId: 'bk_rl_1', kind: 'manual', spec: clusterSpec(), record: records.get('cl_rl_source')!, sink: store });
    await apply('cl_rl_source', clusterSpec({ state: 'sleeping' }));
    const window = await driver.restoreWindow('cl_rl_source');
    const branch = await apply('cl_rl_branch', clusterSpec({ source: { cluster_id: 'cl_rl_source', backup_id: null, target_time: window!.latest! } }));
    expect(branch.observation.state).toBe('running');
    expect(log.lines.some((line) => line.includes('replaying all of it'))).toBe(true);
    const reader = new pg.Client({ host: '127.0.0.1', port: branch.observation.endpoint!.port, user: 'app', password: PASSWORD, database: 'app' });
    await reader.connect();
    expect((await reader.query('select note from t')).rows).toEqual([{ note: 'kept' }]);
    await reader.end();
  }, 120_000);
});
