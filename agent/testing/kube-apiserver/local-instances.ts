// Real PostgreSQL servers behind the simulated CloudNativePG operator's Clusters, for tests that connect to what the
// kubernetes driver provisions: each Cluster is one server run by the agent's own `local` driver (native PostgreSQL
// when installed, else PGlite) in a directory of its own, so a password, a hibernation or a deletion that the driver
// writes to the stand-in ends up as a real role's password, a stopped server or removed data.
//
// Backups are real too: the local driver's base backup (pg_basebackup's tar, or PGlite's data directory), compressed
// into the S3-compatible store the Cluster's ObjectStore names, at `<destinationPath><serverName>/base/<backupId>/` as the
// barman-cloud plugin would lay it out (the bytes are the local driver's format, not barman's). A recovering Cluster
// gets that tar unpacked as its data directory before its server first starts: native PostgreSQL then replays the WAL
// the tar holds up to the end of the backup. The archive holds no WAL beyond the backups (no WAL archiving here), so a
// point in time is reached only as the newest backup that ended by then.
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ClusterSpec, DEFAULT_BACKUP_SPEC } from '../../../protocol/agent.ts';
import { SIZE_TABLE, type ClusterSize } from '../../../protocol/sizes.ts';
import { COMPRESSED_SUFFIX, decompressStream } from '../../backup/compression.ts';
import { ObjectStore, type ObjectStoreConfig } from '../../backup/object-store.ts';
import type { DriverRecord } from '../../drivers/driver.ts';
import { LocalDriver } from '../../drivers/local/local-driver.ts';
import { clusterDir } from '../../drivers/local/local-engine.ts';
import { chownToServerUser, serverUser, spawnAs } from '../../drivers/local/server-user.ts';
import type { Logger } from '../../log.ts';
import type { BackupTarget, RecoverySource, SimulatedBackup, SimulatedDatabase, SimulatedInstances } from './cnpg-operator.ts';

export interface LocalInstances extends SimulatedInstances {
  /** Stops every server (data kept). */
  shutdown(): Promise<void>;
}

/** The size whose connection limit the Cluster asks for, so the server gets the same max_connections. */
function sizeFor(maxConnections: number | null): ClusterSize {
  const sizes = Object.entries(SIZE_TABLE) as Array<[ClusterSize, (typeof SIZE_TABLE)[ClusterSize]]>;
  return (sizes.find(([, s]) => s.max_connections === maxConnections) ?? sizes[0]!)[0];
}

/**
 * The local driver writes a cluster's backup under its own id (`clusters/<id>/...`); here that folder is the Cluster's
 * serverName below the destinationPath (the store's prefix), as the barman-cloud plugin lays it out.
 */
class ServerFolderSink {
  constructor(
    private readonly store: ObjectStore,
    private readonly localId: string,
    private readonly serverName: string,
  ) {}

  private key(key: string): string {
    const local = `clusters/${this.localId}/`;
    if (!key.startsWith(local)) throw new Error(`the local driver wrote outside its cluster's folder: ${key}`);
    return `${this.serverName}/${key.slice(local.length)}`;
  }

  async put(key: string, body: Readable | Buffer, meta: Record<string, string>): Promise<{ size: number; sha256: string }> {
    return this.store.put(this.key(key), body, meta);
  }

  async get(key: string): Promise<{ body: Readable }> {
    return this.store.get(this.key(key));
  }

  async list(prefix: string): Promise<Array<{ key: string; lastModified: Date | null }>> {
    return this.store.list(this.key(prefix));
  }

  async delete(keys: readonly string[]): Promise<void> {
    await this.store.delete(keys.map((key) => this.key(key)));
  }
}

/** Fails fast when the store is down: a backup that cannot reach it should say so, not retry for long. */
function storeClient(config: ObjectStoreConfig): ObjectStore {
  return new ObjectStore(config, { maxAttempts: 1, connectionTimeoutMs: 2000 });
}

/** Unpacks a tar stream into `dir` as `user` would own it (the native server's OS user, or this process). */
async function untar(archive: Readable, dir: string, user: Awaited<ReturnType<typeof serverUser>>): Promise<void> {
  const child = user ? spawnAs(user, 'tar', ['-x', '-C', dir], { cwd: dir }) : spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  child.stdout.resume();
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar failed (exit ${code}): ${stderr.trim()}`))));
  });
  await Promise.all([pipeline(archive, decompressStream(), child.stdin), exited]);
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
    run: (key, db) =>
      serial(key, async () => {
        specs.set(key, spec(db));
        const result = await driver.apply({ clusterId: idOf(key), spec: spec(db), password: db.password, record: records.get(key) ?? null, emit: () => {} });
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
        const store = storeClient(target.store);
        try {
          const outcome = await driver.backup({
            clusterId: idOf(key),
            backupId: target.backupId,
            kind: 'manual',
            spec: clusterSpec,
            record: records.get(key) ?? null,
            sink: new ServerFolderSink(store, idOf(key), target.serverName),
          });
          return { beginLsn: outcome.begin.lsn, endLsn: outcome.end.lsn, beginTime: outcome.begin.time, endTime: outcome.end.time };
        } finally {
          store.close();
        }
      }),
    restore: (key, source: RecoverySource) =>
      serial(key, async () => {
        const store = storeClient(source.store);
        try {
          const base = `${source.serverName}/base/`;
          const archives = (await store.list(base)).filter((object) => object.key.endsWith(`/base.tar${COMPRESSED_SUFFIX}`));
          const backupIdOf = (objectKey: string) => objectKey.slice(base.length).split('/')[0]!;
          const chosen = source.backupId !== null
            ? archives.find((object) => backupIdOf(object.key) === source.backupId)
            : archives
                .filter((object) => source.targetTime === null || (object.lastModified?.getTime() ?? 0) <= Date.parse(source.targetTime))
                .sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0))[0];
          if (!chosen) {
            const point = source.backupId ?? source.targetTime ?? 'its newest point';
            throw new Error(`no base backup of ${source.serverName} in ${store.description} for ${point}`);
          }
          const backupId = backupIdOf(chosen.key);
          const stored = await store.get(chosen.key);
          // The engine the backup was taken with decides where its data lives (local-engine.ts's layout).
          const native = stored.meta.engine === 'native';
          await driver.prepare();
          const user = native ? await serverUser() : null;
          const dir = clusterDir(options.dataDir, idOf(key));
          const data = join(dir, native ? 'pgdata' : 'pglite');
          await rm(data, { recursive: true, force: true });
          await mkdir(data, { recursive: true, mode: 0o700 });
          await chownToServerUser(user, dir);
          await chownToServerUser(user, data);
          await untar(stored.body, data, user);
          return { backupId };
        } finally {
          store.close();
        }
      }),
    remove: (key) =>
      serial(key, async () => {
        await driver.delete(idOf(key), records.get(key) ?? null);
        records.delete(key);
        specs.delete(key);
      }),
    shutdown: () => driver.shutdown(),
  };
}
