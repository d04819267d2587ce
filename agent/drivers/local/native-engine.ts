// Native PostgreSQL for local clusters. The data directory of a version is initialised once, as a template
// (initdb takes about half a second, a copy much less), and each cluster gets a copy started with pg_ctl on
// its own loopback port. The superuser is reached only through a Unix socket inside the cluster's directory
// (trust), applications through TCP on 127.0.0.1 with SCRAM passwords.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { type ClusterSpec } from '../../../protocol/agent.ts';
import { SIZE_TABLE } from '../../../protocol/sizes.ts';
import type { Logger } from '../../log.ts';
import { recentLogText } from '../../telemetry/log-reader.ts';
import { enableStatementStatistics, ensureRoleAndDatabase } from './cluster-sql.ts';
import { choosePort, isAccepting } from './free-port.ts';
import { clusterDir, type BaseBackupStream, type EngineStart, type LocalEngine, type WalPoint } from './local-engine.ts';
import type { NativeInstallation } from './native-binaries.ts';
import { readyPostmaster } from './postmaster-pid.ts';
import { chownToServerUser, runAs, spawnAs, type ServerUser } from './server-user.ts';

// Unix socket paths are limited to 107 bytes; deep data directories put the socket under the temp dir.
const SOCKET_PATH_LIMIT = 100;
const START_ATTEMPTS = 3;
/** The newest restorable point lags the server by at most this (a partly written segment is archived after it). */
const ARCHIVE_TIMEOUT_S = 60;
/** Settings of a recovery in progress, included by orochi.conf while the file exists. */
const RECOVERY_CONF = 'orochi-recovery.conf';
/** Replaying a large archive takes a while; pg_ctl waits this long for the server to accept connections. */
const RECOVERY_START_TIMEOUT_S = 600;
const FLUSH_TIMEOUT_MS = 60_000;
/** The superuser initdb makes, reached only over the cluster's Unix socket. */
export const NATIVE_SUPERUSER = 'postgres';
/** pg_basebackup connects for replication, which `all` does not cover: the superuser over the socket, like the rest. */
const REPLICATION_HBA = 'local replication all trust';

export class NativeEngine implements LocalEngine {
  readonly kind = 'native';
  private template: Promise<string> | null = null;
  private prepared: Promise<void> | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly installation: NativeInstallation,
    private readonly user: ServerUser | null,
    private readonly log: Logger,
    /** The region's WAL archiver; without one (no object store) servers keep their WAL to themselves. */
    private readonly walArchive: WalArchiveCommands | null = null,
  ) {}

  async label(): Promise<string> {
    return `native PostgreSQL ${this.installation.version}`;
  }

  async major(): Promise<number> {
    return this.installation.major;
  }

  async prepare(): Promise<void> {
    await this.ensureTemplate();
  }

  private bin(program: string): string {
    return join(this.installation.binDir, program);
  }

  private pgdata(clusterId: string): string {
    return join(clusterDir(this.dataDir, clusterId), 'pgdata');
  }

  private socketDir(clusterId: string): string {
    return socketDirectory(this.dataDir, clusterId);
  }

  /**
   * As root, the server user must reach the cluster directories: the agent's own directories become
   * traversable (0711: nothing listable, state.json stays 0600), and anything above them must already be.
   */
  private prepareDirectories(): Promise<void> {
    this.prepared ??= (async () => {
      const dirs = [this.dataDir, join(this.dataDir, 'clusters'), join(this.dataDir, 'templates')];
      for (const dir of dirs) await mkdir(dir, { recursive: true, mode: 0o700 });
      if (!this.user) return;
      for (const dir of dirs) await chmod(dir, 0o711);
      try {
        await runAs(this.user, 'test', ['-x', join(this.dataDir, 'clusters')], { cwd: '/' });
      } catch {
        throw new Error(
          `the OS user "${this.user.name}" that runs Postgres cannot reach ${this.dataDir}: ` +
            'make its parent directories traversable (chmod o+x) or use another --data-dir',
        );
      }
    })();
    this.prepared.catch(() => {
      this.prepared = null;
    });
    return this.prepared;
  }

  /** The version's initialised and configured data directory, made once and then only copied. */
  private ensureTemplate(): Promise<string> {
    this.template ??= (async () => {
      await this.prepareDirectories();
      const dir = join(this.dataDir, 'templates', `native-${this.installation.major}`);
      if (existsSync(join(dir, 'PG_VERSION'))) return dir;
      const started = performance.now();
      // Built aside and renamed into place, so a crash never leaves a half-made template to copy.
      const building = `${dir}.building-${process.pid}`;
      await rm(building, { recursive: true, force: true });
      await mkdir(building, { mode: 0o700 });
      await chownToServerUser(this.user, building);
      await runAs(
        this.user,
        this.bin('initdb'),
        ['-D', building, '-U', NATIVE_SUPERUSER, '-E', 'UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256'],
        { cwd: building },
      );
      await this.writeServerFile(join(building, 'pg_hba.conf'), [
        '# Written by the Orochi agent: the superuser over the cluster directory\'s socket, applications by password.',
        'local all all trust',
        REPLICATION_HBA,
        'host all all 127.0.0.1/32 scram-sha-256',
        '',
      ]);
      const conf = await readFile(join(building, 'postgresql.conf'), 'utf8');
      await this.writeServerFile(join(building, 'postgresql.conf'), [
        conf,
        '# Orochi local driver',
        "listen_addresses = '127.0.0.1'",
        "password_encryption = 'scram-sha-256'",
        '# Many local clusters share one machine.',
        'shared_buffers = 32MB',
        "include_if_exists = 'orochi.conf'",
        '',
      ]);
      await rename(building, dir);
      this.log.info('initialised the native template', {
        version: this.installation.version,
        ms: Math.round(performance.now() - started),
      });
      return dir;
    })();
    this.template.catch(() => {
      this.template = null;
    });
    return this.template;
  }

  private async writeServerFile(path: string, lines: string[]): Promise<void> {
    await writeFile(path, lines.join('\n'), { mode: 0o600 });
    await chownToServerUser(this.user, path);
  }

  async hasData(clusterId: string): Promise<boolean> {
    return existsSync(join(this.pgdata(clusterId), 'PG_VERSION'));
  }

  /** Whether the cluster's data is of this engine's major version (another engine runs it otherwise). */
  private async owns(clusterId: string): Promise<boolean> {
    try {
      return (await readFile(join(this.pgdata(clusterId), 'PG_VERSION'), 'utf8')).trim() === String(this.installation.major);
    } catch {
      return false;
    }
  }

  async runningPort(clusterId: string): Promise<number | null> {
    const postmaster = await readyPostmaster(this.pgdata(clusterId));
    return postmaster && (await isAccepting(postmaster.port)) ? postmaster.port : null;
  }

  async ensureRunning(clusterId: string, spec: ClusterSpec, password: string, preferredPort: number | null): Promise<EngineStart> {
    const template = await this.ensureTemplate();
    const dir = clusterDir(this.dataDir, clusterId);
    const pgdata = this.pgdata(clusterId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chownToServerUser(this.user, dir);
    const socketDir = this.socketDir(clusterId);
    if (socketDir !== dir) {
      await mkdir(socketDir, { recursive: true, mode: 0o700 });
      await chownToServerUser(this.user, socketDir);
    }

    const created = !(await this.hasData(clusterId));
    if (created) {
      // A copy of its own per attempt: an agent killed mid-copy leaves its `cp` running as an orphan, still
      // writing into the old scratch directory, so that one cannot be reused (or even removed) safely now.
      const copying = `${pgdata}.copying-${process.pid}-${Date.now().toString(36)}`;
      await removeStaleCopies(dir, copying);
      await rm(pgdata, { recursive: true, force: true });
      // cp -a keeps modes (a data directory must be 0700) and, as root, the server user's ownership.
      await runAs(null, 'cp', ['-a', template, copying], { cwd: dir });
      await rename(copying, pgdata);
    }

    const { maxConnections, previousMaxConnections, changed: confChanged } = await this.writeClusterConf(clusterId, spec);

    let port = await this.runningPort(clusterId);
    let started = false;
    let restarted = false;
    if (port !== null && confChanged) {
      await this.pgCtl(clusterId, ['restart', '-w', '-t', '60', '-m', 'fast', '-D', pgdata, '-l', join(dir, 'postgres.log'), '-o', `-p ${port}`]);
      restarted = true;
    }
    if (port === null) {
      port = await this.start(clusterId, preferredPort);
      started = true;
    }
    const role = await this.asSuperuser(clusterId, port, (client) =>
      ensureRoleAndDatabase((sql, params) => client.query(sql, params), spec.username, spec.database, password),
    );
    await this.asSuperuser(clusterId, port, (client) => enableStatementStatistics((sql, params) => client.query(sql, params), spec.username), spec.database);
    return { port, created, started, restarted, role, maxConnections, previousMaxConnections };
  }

  /**
   * The cluster's own settings (orochi.conf, included by postgresql.conf): its socket, the size's connection limit,
   * and continuous archiving into the cluster's own place in the object store when the region has one. A segment is
   * switched out after at most 60 s of writes, so the newest restorable point lags the server by at most that.
   */
  private async writeClusterConf(clusterId: string, spec: ClusterSpec): Promise<{ maxConnections: number; previousMaxConnections: number | null; changed: boolean }> {
    const maxConnections = SIZE_TABLE[spec.size].max_connections;
    const confPath = join(this.pgdata(clusterId), 'orochi.conf');
    const previousConf = existsSync(confPath) ? await readFile(confPath, 'utf8') : null;
    const previousMaxConnections = previousConf ? Number(/max_connections = (\d+)/.exec(previousConf)?.[1] ?? NaN) || null : null;
    const conf = [
      '# Written by the Orochi agent for this cluster.',
      `unix_socket_directories = '${this.socketDir(clusterId)}'`,
      `max_connections = ${maxConnections}`,
      // Query insights: per-statement statistics, top-level statements only (what the user sent, not function bodies).
      "shared_preload_libraries = 'pg_stat_statements'",
      'pg_stat_statements.track = top',
      // The server log as JSON lines under pgdata/log, for the agent's log history and live tail (agent/telemetry);
      // names sort by age, a new file per start, day or 10 MB. What the server says before its log collector runs
      // (a port it cannot bind) still goes to postgres.log.
      'logging_collector = on',
      "log_destination = 'jsonlog'",
      "log_directory = 'log'",
      "log_filename = 'postgresql-%Y%m%d-%H%M%S.log'",
      'log_rotation_age = 1d',
      'log_rotation_size = 10MB',
      "log_timezone = 'UTC'",
      ...(this.walArchive
        ? [
            'archive_mode = on',
            `archive_command = ${confQuote(this.walArchive.archiveCommand(clusterId))}`,
            `archive_timeout = ${ARCHIVE_TIMEOUT_S}`,
          ]
        : []),
      // Present only while the server recovers from an archive (restore, branch).
      `include_if_exists = '${RECOVERY_CONF}'`,
      '',
    ];
    const changed = previousConf !== conf.join('\n');
    if (changed) await this.writeServerFile(confPath, conf);
    return { maxConnections, previousMaxConnections, changed };
  }

  /**
   * Replaces the cluster's data with a base backup and replays archived WAL as the plan says, then promotes: the
   * server runs, on a new timeline, archiving into its own place. Data there before is kept aside until the restore
   * succeeds and put back if it fails, so a failed restore loses nothing.
   */
  async restore(clusterId: string, spec: ClusterSpec, archive: Readable, recovery: RecoveryTarget, preferredPort: number | null): Promise<{ unpackMs: number; recoveryMs: number }> {
    await this.ensureTemplate();
    const dir = clusterDir(this.dataDir, clusterId);
    const pgdata = this.pgdata(clusterId);
    const aside = `${pgdata}.pre-restore`;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chownToServerUser(this.user, dir);
    await this.stop(clusterId);
    await rm(aside, { recursive: true, force: true });
    const hadData = existsSync(pgdata);
    if (hadData) await rename(pgdata, aside);
    const timings = { unpackMs: 0, recoveryMs: 0 };
    try {
      await mkdir(pgdata, { mode: 0o700 });
      await chownToServerUser(this.user, pgdata);
      const unpacking = performance.now();
      await this.extract(clusterId, archive);
      timings.unpackMs = Math.round(performance.now() - unpacking);
      for (const leftover of ['postmaster.pid', 'postmaster.opts', RECOVERY_CONF, 'recovery.signal', 'standby.signal']) {
        await rm(join(pgdata, leftover), { force: true });
      }
      // The backup carries its source's settings (and its archive_command): this cluster's own replace them.
      await this.writeClusterConf(clusterId, spec);
      const recovering = performance.now();
      await this.recover(clusterId, recovery, preferredPort);
      timings.recoveryMs = Math.round(performance.now() - recovering);
    } catch (error) {
      await this.stop(clusterId).catch(() => undefined);
      await rm(pgdata, { recursive: true, force: true });
      if (hadData) await rename(aside, pgdata);
      throw error;
    }
    await rm(aside, { recursive: true, force: true });
    return timings;
  }

  /** Unpacks a tar of a data directory into the cluster's (empty) pgdata, as the servers' OS user. */
  private async extract(clusterId: string, archive: Readable): Promise<void> {
    const child = spawnAs(this.user, 'tar', ['-x', '-f', '-', '-C', this.pgdata(clusterId)], { cwd: clusterDir(this.dataDir, clusterId) });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.stdout.resume();
    const exited = new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`unpacking the base backup failed (tar exit ${code}): ${stderr.trim()}`))));
    });
    await Promise.all([pipeline(archive, child.stdin), exited]);
  }

  /** Starts the server in archive recovery and waits until it has promoted itself. */
  private async recover(clusterId: string, recovery: RecoveryTarget, preferredPort: number | null): Promise<void> {
    const pgdata = this.pgdata(clusterId);
    const writeRecovery = async (target: RecoveryTarget) => {
      await this.writeServerFile(join(pgdata, RECOVERY_CONF), recoverySettings(this.walArchive?.restoreCommand(target.sourceClusterId) ?? null, target));
      await this.writeServerFile(join(pgdata, 'recovery.signal'), ['']);
    };
    await writeRecovery(recovery);
    const started = performance.now();
    let target = recovery;
    for (let attempt = 0; ; attempt++) {
      let port: number | null = null;
      try {
        port = await this.start(clusterId, preferredPort, RECOVERY_START_TIMEOUT_S);
        await this.awaitPromotion(clusterId, port);
        break;
      } catch (error) {
        const log = await this.logTail(clusterId, 20);
        // A time after the last transaction in the archive is never "reached" (PostgreSQL stops only at a commit past
        // it): what the archive holds is then exactly the state at that time, so replay it all.
        if (attempt === 0 && target.kind === 'time' && /recovery ended before configured recovery target was reached/.test(log)) {
          this.log.info('no transaction after the restore target in the archive; replaying all of it', { cluster_id: clusterId });
          await this.stop(clusterId).catch(() => undefined);
          target = { kind: 'end', sourceClusterId: target.sourceClusterId, timeline: target.timeline };
          await writeRecovery(target);
          continue;
        }
        throw new Error(`recovery failed: ${(error as Error).message.split('\n')[0]}${log ? `\n${log}` : ''}`);
      }
    }
    await rm(join(pgdata, RECOVERY_CONF), { force: true });
    this.log.info('recovered from the archive', { cluster_id: clusterId, target: target.kind, ms: Math.round(performance.now() - started) });
  }

  private async awaitPromotion(clusterId: string, port: number): Promise<void> {
    const deadline = Date.now() + RECOVERY_START_TIMEOUT_S * 1000;
    for (;;) {
      const inRecovery = await this.asSuperuser(clusterId, port, async (client) => (await client.query<{ r: boolean }>('select pg_is_in_recovery() as r')).rows[0]!.r).catch(
        () => null,
      );
      if (inRecovery === false) return;
      if (inRecovery === null && (await this.runningPort(clusterId)) === null) throw new Error('the server stopped during recovery');
      if (Date.now() > deadline) throw new Error(`still recovering after ${RECOVERY_START_TIMEOUT_S} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Makes everything the server has done so far restorable: a transaction is committed (so a restore to now has a
   * commit to stop at), the segment is switched out, and this waits until the archiver has taken it.
   */
  async flushArchive(clusterId: string): Promise<boolean> {
    const port = await this.runningPort(clusterId);
    if (port === null || !this.walArchive) return false;
    await this.asSuperuser(clusterId, port, async (client) => {
      await client.query('select pg_current_xact_id()');
      const { rows } = await client.query<{ name: string }>('select pg_walfile_name(pg_switch_wal()) as name');
      const segment = rows[0]!.name;
      const deadline = Date.now() + FLUSH_TIMEOUT_MS;
      for (;;) {
        const archived = await client.query<{ last: string | null; failed: string | null }>(
          'select last_archived_wal as last, last_failed_wal as failed from pg_stat_archiver',
        );
        const last = archived.rows[0]?.last ?? '';
        if (last >= segment) return;
        if (Date.now() > deadline) throw new Error(`WAL segment ${segment} was not archived within ${FLUSH_TIMEOUT_MS / 1000} s (last failure: ${archived.rows[0]?.failed ?? 'none'})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    return true;
  }

  private async start(clusterId: string, preferredPort: number | null, timeoutS = 60): Promise<number> {
    const dir = clusterDir(this.dataDir, clusterId);
    let lastError: unknown;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      // Another program may take a port between the check and the bind: then try another.
      const port = await choosePort(attempt === 0 ? preferredPort : null);
      try {
        await this.pgCtl(clusterId, ['start', '-w', '-t', String(timeoutS), '-D', this.pgdata(clusterId), '-l', join(dir, 'postgres.log'), '-o', `-p ${port}`]);
        return port;
      } catch (error) {
        lastError = error;
        const log = await this.logTail(clusterId);
        if (!/could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(log)) {
          throw new Error(`${(error as Error).message}${log ? `\n${log}` : ''}`);
        }
        this.log.warn('port taken while starting; trying another', { cluster_id: clusterId, port });
      }
    }
    throw lastError;
  }

  private pgCtl(clusterId: string, args: string[]): Promise<unknown> {
    return runAs(this.user, this.bin('pg_ctl'), args, { cwd: clusterDir(this.dataDir, clusterId), timeoutMs: (RECOVERY_START_TIMEOUT_S + 30) * 1000 });
  }

  /**
   * The server's last words: postgres.log holds what it said before its log collector started (a port it could not
   * bind), the collector's jsonlog under pgdata/log what it said after (a recovery that ended early). Both tails.
   */
  private async logTail(clusterId: string, lines = 5): Promise<string> {
    const early = await readFile(join(clusterDir(this.dataDir, clusterId), 'postgres.log'), 'utf8').catch(() => '');
    const collected = await recentLogText(join(this.pgdata(clusterId), 'log'), lines).catch(() => '');
    return [early.trim().split('\n').slice(-lines).join('\n'), collected].filter(Boolean).join('\n');
  }

  private async asSuperuser<T>(clusterId: string, port: number, work: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> {
    const client = new pg.Client({ host: this.socketDir(clusterId), port, user: NATIVE_SUPERUSER, database, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  async stop(clusterId: string): Promise<boolean> {
    if (!(await this.hasData(clusterId))) return false;
    if ((await this.runningPort(clusterId)) === null && !existsSync(join(this.pgdata(clusterId), 'postmaster.pid'))) return false;
    try {
      await this.pgCtl(clusterId, ['stop', '-w', '-t', '60', '-m', 'fast', '-D', this.pgdata(clusterId)]);
    } catch (error) {
      // A stale pid file from a crash: pg_ctl finds no server, which is the state asked for.
      if (/Is server running\?|no server running|No such process/i.test((error as Error).message)) return false;
      throw error;
    }
    return true;
  }

  async remove(clusterId: string): Promise<boolean> {
    const dir = clusterDir(this.dataDir, clusterId);
    if (!existsSync(dir)) return false;
    await this.stop(clusterId);
    const socketDir = this.socketDir(clusterId);
    if (socketDir !== dir) await rm(socketDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    return true;
  }

  async baseBackup(clusterId: string): Promise<BaseBackupStream> {
    const port = await this.runningPort(clusterId);
    if (port === null) throw new Error('the server is not running');
    await this.allowReplication(clusterId, port);
    const walPoint = () =>
      this.asSuperuser(clusterId, port, async (client): Promise<WalPoint> => {
        const { rows } = await client.query<{ lsn: string; time: Date; timeline: number }>(
          'select pg_current_wal_lsn()::text as lsn, clock_timestamp() as time, (select timeline_id from pg_control_checkpoint()) as timeline',
        );
        return { lsn: rows[0]!.lsn, time: rows[0]!.time.toISOString(), timeline: rows[0]!.timeline };
      });
    const begin = await walPoint();
    // A tar of the data directory on stdout, with the WAL it needs fetched into it: restorable on its own.
    const child = spawnAs(
      this.user,
      this.bin('pg_basebackup'),
      ['-D', '-', '-F', 't', '-X', 'fetch', '--checkpoint=fast', '-h', this.socketDir(clusterId), '-p', String(port), '-U', NATIVE_SUPERUSER, '--no-password'],
      { cwd: clusterDir(this.dataDir, clusterId) },
    );
    child.stdin.end();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const done = new Promise<WalPoint>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        if (code === 0) resolve(walPoint());
        else reject(new Error(`pg_basebackup failed (${signal ?? `exit ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`));
      });
    });
    return { archive: child.stdout, begin, done };
  }

  /** Clusters made before backups existed lack the replication line: add it once and reload. */
  private async allowReplication(clusterId: string, port: number): Promise<void> {
    const path = join(this.pgdata(clusterId), 'pg_hba.conf');
    const hba = await readFile(path, 'utf8');
    if (hba.split('\n').some((line) => line.trim() === REPLICATION_HBA)) return;
    await this.writeServerFile(path, [hba.trimEnd(), REPLICATION_HBA, '']);
    await this.asSuperuser(clusterId, port, (client) => client.query('select pg_reload_conf()'));
  }

  async stopAll(): Promise<void> {
    let ids: string[];
    try {
      ids = await readdir(join(this.dataDir, 'clusters'));
    } catch {
      return;
    }
    await Promise.all(
      ids.map(async (clusterId) => {
        try {
          if (!(await this.owns(clusterId))) return;
          if (await this.stop(clusterId)) this.log.info('stopped a local server', { cluster_id: clusterId });
        } catch (error) {
          this.log.error('stopping a local server failed', { cluster_id: clusterId, error: (error as Error).message });
        }
      }),
    );
  }
}

/** Where a cluster's server puts its Unix socket: its own directory, or a short path under the temp dir when that is too long. */
export function socketDirectory(dataDir: string, clusterId: string): string {
  const dir = clusterDir(dataDir, clusterId);
  if (join(dir, '.s.PGSQL.65535.lock').length <= SOCKET_PATH_LIMIT) return dir;
  return join(tmpdir(), `orochi-pg-${createHash('sha256').update(dir).digest('hex').slice(0, 16)}`);
}

/** What the WAL archiver gives a server's configuration (wal-archive.ts). */
export interface WalArchiveCommands {
  archiveCommand(clusterId: string): string;
  restoreCommand(sourceClusterId: string): string;
}

/** How far a recovery replays the source's archive (backup: just what the base backup needs; end: all of it). */
export type RecoveryTarget =
  | { kind: 'backup'; sourceClusterId: string; timeline: number | null }
  | { kind: 'time'; sourceClusterId: string; time: string; timeline: number }
  | { kind: 'end'; sourceClusterId: string; timeline: number | null };

/** A value quoted for postgresql.conf. */
function confQuote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Without an archiver (no curl), only a base backup's own WAL is replayed: it holds what the backup needs. */
function recoverySettings(restoreCommand: string | null, target: RecoveryTarget): string[] {
  const lines = ['# Written by the Orochi agent while this server recovers from an archive; removed once it has.'];
  if (restoreCommand) lines.push(`restore_command = ${confQuote(restoreCommand)}`);
  if (target.kind === 'backup') lines.push("recovery_target = 'immediate'", "recovery_target_timeline = 'current'");
  // PostgreSQL reads this setting with its own timestamp syntax, which takes no ISO 'T' or 'Z'.
  const time = (iso: string) => `${iso.replace('T', ' ').replace(/Z$/, '')}+00`;
  if (target.kind === 'time') lines.push(`recovery_target_time = '${time(target.time)}'`, `recovery_target_timeline = '${target.timeline}'`);
  if (target.kind === 'end') lines.push(`recovery_target_timeline = '${target.timeline ?? 'latest'}'`);
  lines.push("recovery_target_action = 'promote'", '');
  return lines;
}

/** Scratch copies of earlier, interrupted creates; best effort, since an orphaned copy may still be writing. */
async function removeStaleCopies(dir: string, keep: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    const path = join(dir, entry);
    if (!entry.startsWith('pgdata.copying') || path === keep) continue;
    await rm(path, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  }
}
