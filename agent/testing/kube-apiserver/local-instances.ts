// Real PostgreSQL servers behind the simulated CloudNativePG operator's Clusters, for tests that connect to what the
// kubernetes driver provisions: each Cluster is one server run by the agent's own `local` driver (native PostgreSQL
// when installed, else PGlite) in a directory of its own, so a password, a hibernation or a deletion that the driver
// writes to the stand-in ends up as a real role's password, a stopped server or removed data.
import { type ClusterSpec, DEFAULT_BACKUP_SPEC } from '../../../protocol/agent.ts';
import { SIZE_TABLE, type ClusterSize } from '../../../protocol/sizes.ts';
import type { DriverRecord } from '../../drivers/driver.ts';
import { LocalDriver } from '../../drivers/local/local-driver.ts';
import type { Logger } from '../../log.ts';
import type { SimulatedDatabase, SimulatedInstances } from './cnpg-operator.ts';

export interface LocalInstances extends SimulatedInstances {
  /** Stops every server (data kept). */
  shutdown(): Promise<void>;
}

/** The size whose connection limit the Cluster asks for, so the server gets the same max_connections. */
function sizeFor(maxConnections: number | null): ClusterSize {
  const sizes = Object.entries(SIZE_TABLE) as Array<[ClusterSize, (typeof SIZE_TABLE)[ClusterSize]]>;
  return (sizes.find(([, s]) => s.max_connections === maxConnections) ?? sizes[0]!)[0];
}

export function localInstances(options: { dataDir: string; log: Logger }): LocalInstances {
  const driver = new LocalDriver({ dataDir: options.dataDir, log: options.log });
  const records = new Map<string, DriverRecord | null>();
  // One change at a time per server, in the order asked, as the operator's instance manager would.
  const queues = new Map<string, Promise<unknown>>();
  const serial = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const next = (queues.get(key) ?? Promise.resolve()).then(work, work);
    queues.set(key, next.catch(() => undefined));
    return next;
  };
  const idOf = (key: string) => key.replace('/', '--');
  const spec = (db: SimulatedDatabase): ClusterSpec => ({
    name: db.database,
    org_id: 'simulated',
    project_id: 'simulated',
    engine: 'postgres',
    version: db.version,
    tier: 'dedicated',
    size: sizeFor(db.maxConnections),
    instances: 1,
    storage_gb: 1,
    settings: {},
    state: 'running',
    database: db.database,
    username: db.owner,
    password_sealed: '',
    backups: DEFAULT_BACKUP_SPEC,
    source: null,
    restore: null,
  });
  return {
    run: (key, db) =>
      serial(key, async () => {
        const result = await driver.apply({ clusterId: idOf(key), spec: spec(db), password: db.password, record: records.get(key) ?? null, emit: () => {} });
        records.set(key, result.record);
        const port = result.observation.endpoint?.port;
        if (port === undefined) throw new Error(`the server of ${key} did not start: ${result.observation.message}`);
        return port;
      }),
    hibernate: (key) => serial(key, () => driver.stop(idOf(key), records.get(key) ?? null)),
    remove: (key) =>
      serial(key, async () => {
        await driver.delete(idOf(key), records.get(key) ?? null);
        records.delete(key);
      }),
    shutdown: () => driver.shutdown(),
  };
}
