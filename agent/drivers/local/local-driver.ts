// The `local` driver: every cluster is a real PostgreSQL server on a loopback port of this machine, with its
// data under `<data-dir>/clusters/<cluster_id>`, so the connection string the dashboard shows works in psql.
// Native PostgreSQL when its binaries are installed (the requested major version if present, else the
// newest), PGlite otherwise or when OROCHI_LOCAL_ENGINE=pglite. A cluster keeps the engine and major version
// it was created with, since its data directory is theirs.
//
// What a laptop cannot do as asked is done as well as it can and said in the status message: one server
// however many instances, the size's connection limit but no CPU or memory limit, settings recorded only.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type ClusterSource, type ClusterSpec, type RestoreSpec } from '../../../protocol/agent.ts';
import { SIZE_TABLE } from '../../../protocol/sizes.ts';
import type { Logger } from '../../log.ts';
import { OBSERVABILITY_LIMITS, type LogEntry } from '../../../protocol/observability.ts';
import { RequestFailure } from '../../requests/request-failure.ts';
import { LogFollower } from '../../telemetry/log-follow.ts';
import { pruneLogFiles, recentEntries } from '../../telemetry/log-reader.ts';
import type {
  ApplyRequest,
  ApplyResult,
  BackupOutcome,
  BackupRequest,
  ClusterDriver,
  ClusterObservation,
  DriverEvent,
  DriverRecord,
  LogHistoryQuery,
  ResourceUsage,
  SqlAccess,
} from '../driver.ts';
import { planRestore, readHistory, windowOf, type HistoryStore, type RestorePlan } from '../../backup/cluster-history.ts';
import { compressStream, decompressStream } from '../../backup/compression.ts';
import { baseBackupInfoKey, baseBackupKey } from '../../backup/layout.ts';
import type { BaseBackupInfo, RestoreWindow } from '../../backup/wal-history.ts';
import { clusterDir, type EngineKind, type LocalEngine } from './local-engine.ts';
import { chooseInstallation, findNativeInstallations } from './native-binaries.ts';
import { NATIVE_SUPERUSER, NativeEngine, socketDirectory, type RecoveryTarget, type WalArchiveCommands } from './native-engine.ts';
import { PgliteEngine } from './pglite-engine.ts';
import { processTreeUsage } from './process-usage.ts';
import { serverUser, type ServerUser } from './server-user.ts';

export type EnginePreference = 'auto' | EngineKind;

export interface LocalDriverOptions {
  dataDir: string;
  log: Logger;
  /** Default: OROCHI_LOCAL_ENGINE, else auto (native when installed). */
  engine?: EnginePreference;
  /**
   * The region's object store, when it has one (backups, restores), and the WAL archiver, when it runs (point in time:
   * it needs curl, see agent.ts).
   */
  archive?: { store: HistoryStore; wal: WalArchiveCommands | null } | null;
}

/** What the agent keeps for a local cluster in its state file. */
type LocalRecord = {
  engine: EngineKind;
  major: number;
  port: number | null;
  size: string;
  /** The newest in-place restore done, so each is done once. */
  restored: string | null;
};

const HOST = '127.0.0.1';
const LOG_PRUNE_INTERVAL_MS = 10 * 60_000;

export function enginePreference(value: string | undefined): EnginePreference {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'native' || value === 'pglite') return value;
  throw new Error(`OROCHI_LOCAL_ENGINE must be auto, native or pglite, not ${JSON.stringify(value)}`);
}

function asLocalRecord(record: DriverRecord | null): LocalRecord | null {
  if (!record) return null;
  const { engine, major, port, size, restored } = record as Partial<LocalRecord>;
  if ((engine !== 'native' && engine !== 'pglite') || typeof major !== 'number') return null;
  return {
    engine,
    major,
    port: typeof port === 'number' ? port : null,
    size: typeof size === 'string' ? size : '',
    restored: typeof restored === 'string' ? restored : null,
  };
}

export class LocalDriver implements ClusterDriver {
  readonly kind = 'local';
  private readonly preference: EnginePreference;
  private readonly natives = new Map<number, NativeEngine>();
  private pglite: PgliteEngine | null = null;
  private user: Promise<ServerUser | null> | null = null;
  /** When each cluster's old server log files were last removed. */
  private readonly logsPrunedAt = new Map<string, number>();

  constructor(private readonly options: LocalDriverOptions) {
    this.preference = options.engine ?? enginePreference(process.env.OROCHI_LOCAL_ENGINE);
  }

  async apply(request: ApplyRequest): Promise<ApplyResult> {
    const { clusterId, spec, record, emit } = request;
    if (spec.engine !== 'postgres') throw new Error(`the local driver runs PostgreSQL clusters only, not ${spec.engine}`);
    const previous = asLocalRecord(record);
    if (spec.state === 'deleted') {
      await this.delete(clusterId, record, emit);
      return { observation: this.deletedObservation(), record: null };
    }
    let existing = await this.existingEngine(clusterId, previous);
    let restored = previous?.restored ?? null;
    let restoredNow = false;
    // A branch: its first data comes from its source's history rather than an empty template.
    if (spec.source && (!existing || !(await existing.hasData(clusterId)))) {
      existing = await this.restoreFrom(clusterId, spec, spec.source.cluster_id, spec.source, previous?.port ?? null, emit, `Branched from ${spec.source.cluster_id}`);
      restoredNow = true;
    }
    if (spec.restore && existing && restored !== spec.restore.restore_id) {
      existing = await this.restoreInPlace(clusterId, spec, spec.restore, existing, previous?.port ?? null, emit);
      restored = spec.restore.restore_id;
      restoredNow = true;
    }
    const engine = existing ?? (await this.newEngine(spec.version));
    const remember = async (port: number | null): Promise<LocalRecord> => ({
      engine: engine.kind,
      major: await engine.major(),
      port,
      size: spec.size,
      restored: restored ?? spec.restore?.restore_id ?? null,
    });

    if (spec.state === 'sleeping' && existing && (await existing.hasData(clusterId))) {
      await this.sleepWith(engine, clusterId, emit);
      if (previous?.size && previous.size !== spec.size) {
        emit({ event_type: 'resized', message: `Size ${previous.size} -> ${spec.size} recorded; it applies when the cluster wakes.` });
      }
      return { observation: await this.describe(engine, clusterId, spec, null), record: await remember(previous?.port ?? null) };
    }
    // Running, or asleep but never provisioned (its create was superseded before the agent saw it): set it up,
    // so a later wake finds the role and the database.
    const observation = await this.run(engine, request, previous);
    const port = observation.endpoint?.port ?? previous?.port ?? null;
    if (spec.state === 'sleeping') {
      await this.sleepWith(engine, clusterId, emit);
      return { observation: await this.describe(engine, clusterId, spec, null), record: await remember(port) };
    }
    return { observation, record: await remember(port), restored: restoredNow };
  }

  /**
   * Restores the cluster in place from its own history. Everything it did up to the request is archived first: the
   * control plane keeps that state as a branch made from the archive at the moment the restore was asked for.
   */
  private async restoreInPlace(
    clusterId: string,
    spec: ClusterSpec,
    restore: RestoreSpec,
    engine: LocalEngine,
    port: number | null,
    emit: (event: DriverEvent) => void,
  ): Promise<LocalEngine> {
    await this.flushArchive(engine, clusterId);
    const point = restore.backup_id ? `backup ${restore.backup_id}` : (restore.target_time ?? 'the newest point');
    return this.restoreFrom(clusterId, spec, clusterId, restore, port, emit, `Restored in place to ${point}`);
  }

  /** Fills the cluster's data from a point of `sourceId`'s history, with the source's engine; returns that engine. */
  private async restoreFrom(
    clusterId: string,
    spec: ClusterSpec,
    sourceId: string,
    point: Pick<ClusterSource, 'backup_id' | 'target_time'>,
    port: number | null,
    emit: (event: DriverEvent) => void,
    what: string,
  ): Promise<LocalEngine> {
    const archive = this.options.archive;
    if (!archive) throw new Error("restores and branches need the region's object store, which is not configured");
    const started = performance.now();
    // A source running here archives what it has done so far, so a branch at "now" misses nothing.
    if (point.backup_id === null && sourceId !== clusterId) {
      const source = await this.existingEngine(sourceId, null).catch(() => null);
      if (source) await this.flushArchive(source, sourceId);
    }
    const plan = await planRestore(archive.store, sourceId, point);
    const planned = Math.round(performance.now() - started);
    const engine = await this.engineFor(plan.backup);
    const stream = (await archive.store.get(plan.baseKey)).body.pipe(decompressStream());
    let steps = '';
    if (engine.kind === 'native') {
      const timings = await (engine as NativeEngine).restore(clusterId, spec, stream, recoveryTarget(plan), port);
      steps = ` (archive flushed and plan read in ${planned} ms, fetch and unpack ${timings.unpackMs} ms, recovery ${timings.recoveryMs} ms)`;
    } else {
      await (engine as PgliteEngine).restoreFull(clusterId, stream);
    }
    const replay = plan.recovery.kind === 'time' ? `, WAL replayed to ${plan.recovery.time}` : plan.recovery.kind === 'latest' ? ', all archived WAL replayed' : '';
    emit({
      event_type: 'restored',
      message: `${what}: base backup ${plan.backup.backup_id} of ${plan.backup.end_time}${replay}, in ${Math.round(performance.now() - started)} ms${steps}.`,
    });
    return engine;
  }

  private async engineFor(backup: BaseBackupInfo): Promise<LocalEngine> {
    if (backup.engine === 'pglite') return this.pgliteEngine();
    if (backup.major) return this.nativeEngine(backup.major);
    return this.newEngine(null);
  }

  /** Archives what the cluster's server has done so far, when it runs here with archiving; a failure is only logged. */
  private async flushArchive(engine: LocalEngine, clusterId: string): Promise<void> {
    if (engine.kind !== 'native') return;
    try {
      await (engine as NativeEngine).flushArchive(clusterId);
    } catch (error) {
      this.options.log.warn('archiving the newest WAL failed', { cluster_id: clusterId, error: (error as Error).message });
    }
  }

  /** What the cluster's history in the object store can be restored to. */
  async restoreWindow(clusterId: string): Promise<RestoreWindow | null> {
    if (!this.options.archive) return null;
    return windowOf(await readHistory(this.options.archive.store, clusterId));
  }

  /** Stops the cluster's server, keeping its data (sleep). */
  async stop(clusterId: string, record: DriverRecord | null, emit: (event: DriverEvent) => void = () => {}): Promise<void> {
    const engine = await this.existingEngine(clusterId, asLocalRecord(record));
    if (engine) await this.sleepWith(engine, clusterId, emit);
  }

  /** Stops the cluster's server and removes its data. Nothing there is fine. */
  async delete(clusterId: string, record: DriverRecord | null, emit: (event: DriverEvent) => void = () => {}): Promise<void> {
    const engine = await this.existingEngine(clusterId, asLocalRecord(record));
    if (engine && (await engine.remove(clusterId))) emit({ event_type: 'deleted', message: 'Server stopped and data removed.' });
  }

  async observe(clusterId: string, spec: ClusterSpec, record: DriverRecord | null): Promise<ClusterObservation> {
    const engine = await this.existingEngine(clusterId, asLocalRecord(record));
    if (!engine || !(await engine.hasData(clusterId))) return this.deletedObservation();
    return this.describe(engine, clusterId, spec, await engine.runningPort(clusterId));
  }

  /**
   * How the agent reaches a running cluster: the app role over TCP like any client; on native servers also the
   * superuser over the cluster's own Unix socket (trust, reachable only from this machine). PGlite accepts only the
   * app role's login, so it has no admin connection, and serves every connection from its one session.
   */
  async sqlAccess(clusterId: string, spec: ClusterSpec, password: string, record: DriverRecord | null): Promise<SqlAccess | null> {
    const engine = await this.existingEngine(clusterId, asLocalRecord(record));
    const port = engine ? await engine.runningPort(clusterId) : null;
    if (!engine || port === null) return null;
    const app = { host: HOST, port, database: spec.database, user: spec.username, password };
    if (engine.kind !== 'native') return { app, admin: null, sharedSession: true };
    return { app, admin: { host: socketDirectory(this.options.dataDir, clusterId), port, database: spec.database, user: NATIVE_SUPERUSER } };
  }

  /** CPU time and memory of a native cluster's server processes (from /proc); null for PGlite (it runs inside the agent) or a stopped server. */
  async resourceUsage(clusterId: string, record: DriverRecord | null): Promise<ResourceUsage | null> {
    const engine = await this.existingEngine(clusterId, asLocalRecord(record));
    if (engine?.kind !== 'native') return null;
    const pgdata = join(clusterDir(this.options.dataDir, clusterId), 'pgdata');
    // The sampler asks every 10 s while the server runs: the moment to keep its log within bounds too.
    await this.pruneServerLog(clusterId);
    const pid = Number((await readFile(join(pgdata, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
    return pid > 0 ? processTreeUsage(pid) : null;
  }

  /** The newest lines of a native server's log (jsonlog files under pgdata/log), oldest first; PGlite has no server log. */
  async logHistory(clusterId: string, _spec: ClusterSpec, record: DriverRecord | null, query: LogHistoryQuery): Promise<LogEntry[]> {
    const dir = this.serverLogDir(clusterId, record);
    await pruneLogFiles(dir);
    return (await recentEntries(dir, { since: query.since, maxLines: Math.max(query.limit, OBSERVABILITY_LIMITS.logWindowLines) })).slice(0, query.limit).reverse();
  }

  /** Tails a native server's log from its end now, across restarts and rotations, until the returned function is called. */
  followLogs(clusterId: string, _spec: ClusterSpec, record: DriverRecord | null, onEntries: (entries: LogEntry[]) => void): () => void {
    const follower = new LogFollower({
      dir: this.serverLogDir(clusterId, record),
      onEntries,
      onError: (error) => this.options.log.warn('reading the server log failed', { cluster_id: clusterId, error: (error as Error).message }),
    });
    return () => void follower.stop();
  }

  /** Where a native cluster's server writes its log (native-engine.ts sets log_directory); PGlite writes none. */
  private serverLogDir(clusterId: string, record: DriverRecord | null): string {
    const dir = clusterDir(this.options.dataDir, clusterId);
    const engine = asLocalRecord(record)?.engine ?? (existsSync(join(dir, 'pglite', 'PG_VERSION')) ? 'pglite' : 'native');
    if (engine === 'pglite') throw new RequestFailure('unsupported', 'this cluster runs on PGlite, which writes no server log; native PostgreSQL clusters have one');
    return join(dir, 'pgdata', 'log');
  }

  private async pruneServerLog(clusterId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.logsPrunedAt.get(clusterId) ?? 0) < LOG_PRUNE_INTERVAL_MS) return;
    this.logsPrunedAt.set(clusterId, now);
    await pruneLogFiles(join(clusterDir(this.options.dataDir, clusterId), 'pgdata', 'log')).catch((error: unknown) =>
      this.options.log.warn('removing old server log files failed', { cluster_id: clusterId, error: (error as Error).message }),
    );
  }

  /** Initialises the template of the engine a new cluster would get (the newest native version, or PGlite). */
  async prepare(): Promise<void> {
    const engine = await this.newEngine(null);
    await engine.prepare();
  }

  /** A full backup: the engine's archive of the data, compressed on its way into the sink. */
  async backup(request: BackupRequest): Promise<BackupOutcome> {
    const engine = await this.existingEngine(request.clusterId, asLocalRecord(request.record));
    if (!engine || (await engine.runningPort(request.clusterId)) === null) throw new Error('the cluster is not running here');
    const taken = await engine.baseBackup(request.clusterId);
    const compressed = compressStream();
    // pipeline() ties the two streams' errors together; the sink reads the compressor while the archive fills it.
    const piping = pipeline(taken.archive, compressed);
    const [stored, end] = await Promise.all([
      request.sink.put(baseBackupKey(request.clusterId, request.backupId), compressed, {
        engine: engine.kind,
        'begin-lsn': taken.begin.lsn ?? '',
        'begin-time': taken.begin.time,
      }),
      taken.done,
      piping,
    ]);
    const info: BaseBackupInfo = {
      backup_id: request.backupId,
      engine: engine.kind,
      major: await engine.major(),
      timeline: taken.begin.timeline ?? null,
      begin_lsn: taken.begin.lsn,
      end_lsn: end.lsn,
      begin_time: taken.begin.time,
      end_time: end.time,
      size_bytes: stored.size,
    };
    // Written last: a backup without it was cut short and is never restored from.
    await request.sink.put(baseBackupInfoKey(request.clusterId, request.backupId), Buffer.from(JSON.stringify(info)), {});
    return { sizeBytes: stored.size, begin: taken.begin, end };
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.natives.values(), ...(this.pglite ? [this.pglite] : [])].map((engine) => engine.stopAll()));
  }

  private async run(engine: LocalEngine, request: ApplyRequest, previous: LocalRecord | null): Promise<ClusterObservation> {
    const { clusterId, spec, password, emit } = request;
    const label = await engine.label();
    const requested = await this.requestedNote(engine, spec);
    const start = await engine.ensureRunning(clusterId, spec, password, previous?.port ?? null);
    const address = `${HOST}:${start.port}`;
    if (start.created) {
      emit({ event_type: 'created', message: `Created with ${label}${requested} on ${address}.` });
    } else if (start.started) {
      const moved = previous?.port && previous.port !== start.port ? ` (port ${previous.port} was taken)` : '';
      emit({ event_type: 'started', message: `Started ${label} on ${address}${moved}.` });
    }
    if (start.role.passwordRotated) emit({ event_type: 'password_rotated', message: `Password of role ${spec.username} changed.` });
    if (start.restarted || (previous?.size && previous.size !== spec.size)) {
      const limit =
        start.maxConnections === null
          ? 'PGlite has no connection limit of its own'
          : `max_connections ${start.previousMaxConnections ?? '?'} -> ${start.maxConnections}${start.restarted ? ' (server restarted)' : ''}`;
      emit({
        event_type: 'resized',
        message: `Size ${previous?.size || '?'} -> ${spec.size}: ${limit}; the local driver does not limit CPU or memory.`,
      });
    }
    return this.describe(engine, clusterId, spec, start.port);
  }

  private async sleepWith(engine: LocalEngine, clusterId: string, emit: (event: DriverEvent) => void): Promise<void> {
    // What it did last stays restorable while it sleeps (a stopped server leaves its current segment unarchived).
    await this.flushArchive(engine, clusterId);
    if (await engine.stop(clusterId)) emit({ event_type: 'stopped', message: 'Server stopped; data kept.' });
  }

  private deletedObservation(): ClusterObservation {
    return { state: 'deleted', endpoint: null, instances: 0, ready_instances: 0, message: 'No server and no data.' };
  }

  private async requestedNote(engine: LocalEngine, spec: ClusterSpec): Promise<string> {
    const major = await engine.major();
    return Number.parseInt(spec.version, 10) === major ? '' : ` (requested ${spec.version}, running ${major})`;
  }

  private async describe(engine: LocalEngine, clusterId: string, spec: ClusterSpec, port: number | null): Promise<ClusterObservation> {
    const label = await engine.label();
    const requested = await this.requestedNote(engine, spec);
    const notes: string[] = [];
    if (spec.instances > 1) notes.push(`local driver runs 1 instance of ${spec.instances}`);
    notes.push(
      engine.kind === 'native'
        ? `size ${spec.size}: max_connections ${SIZE_TABLE[spec.size].max_connections}; CPU, memory and storage are not limited by the local driver`
        : `size ${spec.size} recorded; PGlite serves one session at a time and the local driver does not limit CPU, memory or storage`,
    );
    if (Object.keys(spec.settings).length > 0) notes.push('settings recorded, not applied by the local driver');
    const base = `${label}${requested}; ${notes.join('; ')}`;
    if (port === null) {
      return { state: 'sleeping', endpoint: null, instances: 1, ready_instances: 0, message: `Stopped (${clusterId}): ${base}` };
    }
    return { state: 'running', endpoint: { host: HOST, port }, instances: 1, ready_instances: 1, message: `Running on ${HOST}:${port}: ${base}` };
  }

  /** The engine holding this cluster's data, from the record or from what is on disk; null for a new cluster. */
  private async existingEngine(clusterId: string, record: LocalRecord | null): Promise<LocalEngine | null> {
    if (record) return record.engine === 'pglite' ? this.pgliteEngine() : this.nativeEngine(record.major);
    const dir = clusterDir(this.options.dataDir, clusterId);
    if (existsSync(join(dir, 'pglite', 'PG_VERSION'))) return this.pgliteEngine();
    if (existsSync(join(dir, 'pgdata', 'PG_VERSION'))) {
      return this.nativeEngine(Number((await readFile(join(dir, 'pgdata', 'PG_VERSION'), 'utf8')).trim()));
    }
    return null;
  }

  /** The engine for a new cluster of the requested version (null: the newest available). */
  private async newEngine(requestedVersion: string | null): Promise<LocalEngine> {
    if (this.preference === 'pglite') return this.pgliteEngine();
    const installation = chooseInstallation(await findNativeInstallations(), requestedVersion ?? '');
    if (installation) return this.nativeEngine(installation.major);
    if (this.preference === 'native') throw new Error('OROCHI_LOCAL_ENGINE=native but no PostgreSQL binaries (initdb, pg_ctl, postgres) were found');
    return this.pgliteEngine();
  }

  private pgliteEngine(): LocalEngine {
    this.pglite ??= new PgliteEngine(this.options.dataDir, this.options.log.child({ engine: 'pglite' }));
    return this.pglite;
  }

  private async nativeEngine(major: number): Promise<LocalEngine> {
    let engine = this.natives.get(major);
    if (!engine) {
      const installation = (await findNativeInstallations()).find((candidate) => candidate.major === major);
      if (!installation) throw new Error(`this cluster was created with native PostgreSQL ${major}, which is no longer installed here`);
      this.user ??= serverUser();
      engine = new NativeEngine(this.options.dataDir, installation, await this.user, this.options.log.child({ engine: 'native' }), this.options.archive?.wal ?? null);
      this.natives.set(major, engine);
    }
    return engine;
  }
}

function recoveryTarget(plan: RestorePlan): RecoveryTarget {
  const sourceClusterId = plan.sourceClusterId;
  switch (plan.recovery.kind) {
    case 'backup':
      return { kind: 'backup', sourceClusterId, timeline: plan.backup.timeline };
    case 'time':
      return { kind: 'time', sourceClusterId, time: plan.recovery.time, timeline: plan.recovery.timeline };
    case 'latest':
      return { kind: 'end', sourceClusterId, timeline: null };
  }
}
