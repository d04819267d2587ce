// Real PostgreSQL servers behind the simulated CloudNativePG operator's Clusters, for tests that connect to what the
// kubernetes driver provisions: each Cluster is one server run by the agent's own `local` driver (native PostgreSQL
// when installed, else PGlite) in a directory of its own, so a password, a hibernation or a deletion that the driver
// writes to the stand-in ends up as a real role's password, a stopped server or removed data.
//
// Histories are real too, in the S3-compatible store the Cluster's ObjectStore names, at the barman-cloud plugin's
// place for a serverName, `<destinationPath><serverName>/` (the bytes are the local driver's format, not barman's):
// base backups under `base/<backupId>/`, and, for a Cluster whose barman-cloud plugin is its WAL archiver, every WAL
// file its native server finishes under `wal/`, handed by the local driver's archive_command to the agent's own WAL
// archiver (backup/wal-archive.ts). The local driver knows a history as `clusters/<id>/` of one store; ServerFolders
// maps that folder of each id onto its store and serverName: a Cluster's id onto the place it archives to, and a
// recovery source's onto the place it reads (the id of the Cluster archiving there when it runs here, so the local
// driver has it archive what it has done first, as a branch "at a time" needs).
//
// A recovering Cluster is the local driver's branch of its source's history (`spec.source`): the base backup its
// recoveryTarget names (backupID), else the one a targetTime needs with the source's WAL replayed to that time, else
// the newest with all archived WAL replayed. Each WAL file archived or refused is told to the operator, which keeps
// the Cluster's ContinuousArchiving condition from it.
import type { Readable } from 'node:stream';
import { type ClusterSource, type ClusterSpec, DEFAULT_BACKUP_SPEC } from '../../../protocol/agent.ts';
import { SIZE_TABLE, type ClusterSize } from '../../../protocol/sizes.ts';
import { clusterBackupsPrefix } from '../../backup/layout.ts';
import { ObjectStore, type ObjectStoreConfig } from '../../backup/object-store.ts';
import { WalArchive } from '../../backup/wal-archive.ts';
import type { BackupSink, DriverRecord } from '../../drivers/driver.ts';
import { LocalDriver } from '../../drivers/local/local-driver.ts';
import type { WalArchiveCommands } from '../../drivers/local/native-engine.ts';
import { serverUser } from '../../drivers/local/server-user.ts';
import { errorMessage, type Logger } from '../../log.ts';
import type { ArchiveTarget, ArchivingListener, BackupTarget, RecoverySource, SimulatedBackup, SimulatedDatabase, SimulatedHistory, SimulatedInstances } from './cnpg-operator.ts';
import { runningInstanceServer } from './instance-server.ts';

export interface LocalInstances extends SimulatedInstances {
  /** Stops every server (data kept) and the WAL archiver. */
  shutdown(): Promise<void>;
}

/** The size whose connection limit the Cluster asks for, so the server gets the same max_connections. */
function sizeFor(maxConnections: number | null): ClusterSize {
  const sizes = Object.entries(SIZE_TABLE) as Array<[ClusterSize, (typeof SIZE_TABLE)[ClusterSize]]>;
  return (sizes.find(([, s]) => s.max_connections === maxConnections) ?? sizes[0]!)[0];
}

/** Fails fast when the store is down: a backup that cannot reach it should say so, not retry for long. */
function storeClient(config: ObjectStoreConfig): ObjectStore {
  return new ObjectStore(config, { maxAttempts: 1, connectionTimeoutMs: 2000 });
}

/** One store as a place: the same bucket and prefix at the same endpoint, whatever credentials reach it. */
function placeOf(target: ArchiveTarget): string {
  return JSON.stringify([target.store.endpoint, target.store.bucket, target.store.prefix, target.serverName]);
}

/** The local driver's folder of one id (`clusters/<id>/`) as a serverName's folder below the destinationPath. */
class ServerFolder implements BackupSink {
  constructor(
    private readonly store: ObjectStore,
    private readonly localId: string,
    private readonly serverName: string,
  ) {}

  private key(key: string): string {
    const local = clusterBackupsPrefix(this.localId);
    if (!key.startsWith(local)) throw new Error(`the local driver used a key outside its cluster's folder: ${key}`);
    return `${this.serverName}/${key.slice(local.length)}`;
  }

  async put(key: string, body: Readable | Buffer, meta: Record<string, string>): Promise<{ size: number; sha256: string }> {
    return this.store.put(this.key(key), body, meta);
  }

  async get(key: string): Promise<{ body: Readable }> {
    return this.store.get(this.key(key));
  }

  /** Keys as the local driver names them, in its cluster's folder. */
  async list(prefix: string): Promise<Array<{ key: string; lastModified: Date | null }>> {
    const folder = `${this.serverName}/`;
    const local = clusterBackupsPrefix(this.localId);
    return (await this.store.list(this.key(prefix))).map((object) => ({ key: `${local}${object.key.slice(folder.length)}`, lastModified: object.lastModified }));
  }

  async delete(keys: readonly string[]): Promise<void> {
    await this.store.delete(keys.map((key) => this.key(key)));
  }
}

/** The ids of recovery sources no Cluster here archives to (a deleted Cluster's history). */
const SOURCE_ID_PREFIX = 'history-';

/** Every id's folder in the store and serverName it stands for: the local driver's one store of histories. */
class ServerFolders {
  private readonly targets = new Map<string, ArchiveTarget>();
  private readonly clients = new Map<string, ObjectStore>();

  set(localId: string, target: ArchiveTarget | null): void {
    if (target) this.targets.set(localId, target);
    else this.targets.delete(localId);
  }

  has(localId: string): boolean {
    return this.targets.has(localId);
  }

  /** An id whose folder is the target's place: one already standing for it (a Cluster archiving there first), else `make`'s. */
  idFor(target: ArchiveTarget, make: () => string): string {
    const place = placeOf(target);
    const ids = [...this.targets].filter(([, known]) => placeOf(known) === place).map(([id]) => id);
    const id = ids.find((candidate) => !candidate.startsWith(SOURCE_ID_PREFIX)) ?? ids[0] ?? make();
    if (!this.targets.has(id)) this.targets.set(id, target);
    return id;
  }

  folder(target: ArchiveTarget, localId: string): ServerFolder {
    const identity = JSON.stringify(target.store);
    let client = this.clients.get(identity);
    if (!client) {
      client = storeClient(target.store);
      this.clients.set(identity, client);
    }
    return new ServerFolder(client, localId, target.serverName);
  }

  /** The folder a local driver's key lies in, by the id in `clusters/<id>/`. */
  private folderOf(key: string): ServerFolder {
    const localId = /^clusters\/([^/]+)\//.exec(key)?.[1];
    const target = localId === undefined ? undefined : this.targets.get(localId);
    if (localId === undefined || !target) throw new Error(`no store stands for the local driver's key ${key}`);
    return this.folder(target, localId);
  }

  put(key: string, body: Buffer, meta: Record<string, string>): Promise<{ size: number }> {
    return this.folderOf(key).put(key, body, meta);
  }

  get(key: string): Promise<{ body: Readable }> {
    return this.folderOf(key).get(key);
  }

  list(prefix: string): Promise<Array<{ key: string; lastModified: Date | null }>> {
    return this.folderOf(prefix).list(prefix);
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

export function localInstances(options: { dataDir: string; log: Logger }): LocalInstances {
  const folders = new ServerFolders();
  const listeners: ArchivingListener[] = [];
  const keys = new Map<string, string>();
  const idOf = (key: string) => {
    const localId = key.replace('/', '--');
    keys.set(localId, key);
    return localId;
  };
  const tell = (localId: string, failure: string | null) => {
    const key = keys.get(localId);
    if (key !== undefined) for (const listener of listeners) listener(key, failure);
  };
  // The archiver refuses (and PostgreSQL retries) what the store does not take: the operator hears of both outcomes.
  const walStore = {
    put: async (key: string, body: Buffer, meta: Record<string, string>) => {
      try {
        return await folders.put(key, body, meta);
      } catch (error) {
        tell(/^clusters\/([^/]+)\//.exec(key)?.[1] ?? '', errorMessage(error));
        throw error;
      }
    },
    get: (key: string) => folders.get(key),
  };
  let archive: Promise<WalArchive> | null = null;
  const archiver = () =>
    (archive ??= (async () =>
      WalArchive.start({ store: walStore, dataDir: options.dataDir, log: options.log.child({ part: 'wal-archive' }), owner: await serverUser(), onArchived: (id) => tell(id, null) }))());
  // Set by run() before the driver writes a server's configuration.
  let started: WalArchive | null = null;
  // Only a Cluster with a WAL archiver archives; another's server lets each finished segment go.
  const commands: WalArchiveCommands = {
    archiveCommand: (localId) => (started && folders.has(localId) ? started.archiveCommand(localId) : 'true'),
    restoreCommand: (sourceId) => {
      if (!started) throw new Error('the WAL archiver has not started');
      return started.restoreCommand(sourceId);
    },
  };
  const driver = new LocalDriver({ dataDir: options.dataDir, log: options.log, archive: { store: folders, wal: commands } });
  const records = new Map<string, DriverRecord | null>();
  // One change at a time per server, in the order asked, as the operator's instance manager would.
  const queues = new Map<string, Promise<unknown>>();
  const serial = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const next = (queues.get(key) ?? Promise.resolve()).then(work, work);
    queues.set(key, next.catch(() => undefined));
    return next;
  };
  let sources = 0;
  /** The recovery's source as the local driver's branch source: an id standing for the serverName's folder. */
  const branchSource = (recovery: RecoverySource): ClusterSource => {
    if (recovery.backupId !== null && recovery.targetTime !== null) throw new Error('a recoveryTarget with both backupID and targetTime is not simulated');
    const id = folders.idFor({ store: recovery.store, serverName: recovery.serverName }, () => `${SOURCE_ID_PREFIX}${++sources}`);
    return { cluster_id: id, backup_id: recovery.backupId, target_time: recovery.targetTime };
  };
  const specs = new Map<string, ClusterSpec>();
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
    run: (key, db, history: SimulatedHistory) =>
      serial(key, async () => {
        started = await archiver();
        folders.set(idOf(key), history.archive);
        specs.set(key, spec(db));
        const source = history.recovery ? branchSource(history.recovery) : null;
        const result = await driver.apply({ clusterId: idOf(key), spec: { ...spec(db), source }, password: db.password, record: records.get(key) ?? null, emit: () => {} });
        records.set(key, result.record);
        const port = result.observation.endpoint?.port;
        if (port === undefined) throw new Error(`the server of ${key} did not start: ${result.observation.message}`);
        return port;
      }),
    hibernate: (key) => serial(key, () => driver.stop(idOf(key), records.get(key) ?? null)),
    backup: (key, target: BackupTarget) =>
      serial(key, async (): Promise<SimulatedBackup> => {
        const clusterSpec = specs.get(key);
        if (!clusterSpec) throw new Error(`no server runs ${key}`);
        const outcome = await driver.backup({
          clusterId: idOf(key),
          backupId: target.backupId,
          kind: 'manual',
          spec: clusterSpec,
          record: records.get(key) ?? null,
          sink: folders.folder(target, idOf(key)),
        });
        return { beginLsn: outcome.begin.lsn, endLsn: outcome.end.lsn, beginTime: outcome.begin.time, endTime: outcome.end.time };
      }),
    server: async (key) => {
      const clusterSpec = specs.get(key);
      return clusterSpec ? runningInstanceServer(options.dataDir, idOf(key), clusterSpec.database) : null;
    },
    watchArchiving: (listener) => {
      listeners.push(listener);
    },
    remove: (key) =>
      serial(key, async () => {
        await driver.delete(idOf(key), records.get(key) ?? null);
        folders.set(idOf(key), null);
        records.delete(key);
        specs.delete(key);
      }),
    shutdown: async () => {
      await driver.shutdown();
      if (archive) await (await archive).close();
      folders.close();
    },
  };
}
