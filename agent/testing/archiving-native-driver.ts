// A native LocalDriver that archives its WAL through the agent's archiver into the embedded object store, for the
// tests of recovery to a point in time: started before the calling describe block's tests and shut down after them.
// Each apply continues from the record the driver handed back for that cluster, as the reconciler's state store would.
import { afterAll, beforeAll } from 'vitest';
import { embeddedStoreConfig, startObjectStore, type EmbeddedObjectStore } from '../../dev/object-store.ts';
import type { ClusterSpec } from '../../protocol/agent.ts';
import { ObjectStore } from '../backup/object-store.ts';
import { WalArchive } from '../backup/wal-archive.ts';
import type { DriverRecord } from '../drivers/driver.ts';
import { LocalDriver } from '../drivers/local/local-driver.ts';
import { serverUser } from '../drivers/local/server-user.ts';
import { collectingLogger, tempDir } from './fixtures.ts';

export function archivingNativeDriver(options: { tag: string; password: string }) {
  const log = collectingLogger();
  const records = new Map<string, DriverRecord | null>();
  let server: EmbeddedObjectStore | undefined;
  let wal: WalArchive | undefined;
  let dirs: Array<Awaited<ReturnType<typeof tempDir>>> = [];
  const held = { driver: undefined as unknown as LocalDriver, store: undefined as unknown as ObjectStore };

  beforeAll(async () => {
    const storeDir = await tempDir(`${options.tag}-store`);
    const dataDir = await tempDir(`${options.tag}-data`);
    dirs = [storeDir, dataDir];
    server = await startObjectStore({ dataDir: storeDir.path });
    held.store = new ObjectStore(embeddedStoreConfig(server));
    wal = await WalArchive.start({ store: held.store, dataDir: dataDir.path, log, owner: await serverUser() });
    held.driver = new LocalDriver({ dataDir: dataDir.path, log, engine: 'native', archive: { store: held.store, wal } });
  }, 60_000);

  afterAll(async () => {
    await held.driver?.shutdown();
    await wal?.close();
    held.store?.close();
    await server?.stop();
    for (const dir of dirs) await dir.remove();
  });

  return {
    log,
    records,
    /** The driver, once the block's tests run. */
    get driver(): LocalDriver {
      return held.driver;
    },
    /** The object store the WAL and the backups go to, once the block's tests run. */
    get store(): ObjectStore {
      return held.store;
    },
    async apply(clusterId: string, spec: ClusterSpec) {
      const result = await held.driver.apply({ clusterId, spec, password: options.password, record: records.get(clusterId) ?? null, emit: () => undefined });
      records.set(clusterId, result.record);
      return result;
    },
  };
}
