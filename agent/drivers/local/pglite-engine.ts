// PGlite (Postgres compiled to WebAssembly) for local clusters when no native PostgreSQL is installed. Each
// cluster is a PGlite data directory, opened inside the agent and served on a loopback port by PgliteServer,
// which checks the application role's password. A fresh PGlite takes seconds to initialise, so one template is
// initialised per PGlite version and copied; an open instance costs about 240 MB, so a sleeping cluster is
// closed, not just stopped listening.
//
// PGlite is one session shared by every client: the session user is the superuser with the application role
// SET, so a client can RESET ROLE. Acceptable for a developer's own machine, which is what this engine is for.
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import type { ClusterSpec } from '../../../protocol/agent.ts';
import type { Logger } from '../../log.ts';
import { ensureRoleAndDatabase, quoteIdentifier, type Query, type RoleChanges } from './cluster-sql.ts';
import { clusterDir, type BaseBackupStream, type EngineStart, type LocalEngine } from './local-engine.ts';
import { PgliteServer, type PgliteCredentials } from './pglite-server.ts';

interface Instance {
  db: PGlite;
  server: PgliteServer;
  port: number;
  credentials: PgliteCredentials;
}

const NO_ROLE_CHANGES: RoleChanges = { roleCreated: false, passwordRotated: false, databaseCreated: false };

async function pglitePackageVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pkg = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function queryOf(db: PGlite): Query {
  return (sql, params) => db.query<Record<string, unknown>>(sql, params);
}

export class PgliteEngine implements LocalEngine {
  readonly kind = 'pglite';
  private readonly instances = new Map<string, Instance>();
  private template: Promise<{ dir: string; serverVersion: string; packageVersion: string }> | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {}

  async label(): Promise<string> {
    const { packageVersion, serverVersion } = await this.ensureTemplate();
    return `PGlite ${packageVersion} (PostgreSQL ${serverVersion})`;
  }

  async major(): Promise<number> {
    return Number.parseInt((await this.ensureTemplate()).serverVersion, 10);
  }

  async prepare(): Promise<void> {
    await this.ensureTemplate();
  }

  private data(clusterId: string): string {
    return join(clusterDir(this.dataDir, clusterId), 'pglite');
  }

  private ensureTemplate(): Promise<{ dir: string; serverVersion: string; packageVersion: string }> {
    this.template ??= (async () => {
      const packageVersion = await pglitePackageVersion();
      const templates = join(this.dataDir, 'templates');
      const dir = join(templates, `pglite-${packageVersion}`);
      const versionFile = `${dir}.json`;
      if (existsSync(join(dir, 'PG_VERSION')) && existsSync(versionFile)) {
        const { server_version } = JSON.parse(await readFile(versionFile, 'utf8')) as { server_version: string };
        return { dir, serverVersion: server_version, packageVersion };
      }
      const started = performance.now();
      const building = `${dir}.building-${process.pid}`;
      await mkdir(templates, { recursive: true, mode: 0o700 });
      await rm(building, { recursive: true, force: true });
      const db = await PGlite.create(building);
      const { rows } = await db.query<{ server_version: string }>('SHOW server_version');
      await db.close();
      const serverVersion = rows[0]?.server_version.split(' ')[0] ?? 'unknown';
      await writeFile(versionFile, JSON.stringify({ server_version: serverVersion }));
      await rm(dir, { recursive: true, force: true });
      await rename(building, dir);
      this.log.info('initialised the PGlite template', { version: packageVersion, ms: Math.round(performance.now() - started) });
      return { dir, serverVersion, packageVersion };
    })();
    this.template.catch(() => {
      this.template = null;
    });
    return this.template;
  }

  async hasData(clusterId: string): Promise<boolean> {
    return existsSync(join(this.data(clusterId), 'PG_VERSION'));
  }

  async runningPort(clusterId: string): Promise<number | null> {
    return this.instances.get(clusterId)?.port ?? null;
  }

  async ensureRunning(clusterId: string, spec: ClusterSpec, password: string, preferredPort: number | null): Promise<EngineStart> {
    const { dir: template } = await this.ensureTemplate();
    const dir = clusterDir(this.dataDir, clusterId);
    const data = this.data(clusterId);
    // Written once the role and database exist; until then the cluster is opened as the superuser to make them.
    const provisionedFile = join(dir, 'provisioned.json');
    await mkdir(dir, { recursive: true, mode: 0o700 });

    const running = this.instances.get(clusterId);
    if (running) {
      let role = NO_ROLE_CHANGES;
      if (running.credentials.user !== spec.username || running.credentials.password !== password) {
        role = await running.server.runExclusive(async () => {
          await running.db.exec('RESET ROLE');
          try {
            return await ensureRoleAndDatabase(queryOf(running.db), spec.username, spec.database, password);
          } finally {
            await running.db.exec(`SET ROLE ${quoteIdentifier(spec.username)}`);
          }
        });
        running.credentials = { user: spec.username, password };
      }
      return { port: running.port, created: false, started: false, restarted: false, role, maxConnections: null, previousMaxConnections: null };
    }

    const created = !(await this.hasData(clusterId));
    if (created) {
      const copying = `${data}.copying`;
      await rm(copying, { recursive: true, force: true });
      await rm(data, { recursive: true, force: true });
      await rm(provisionedFile, { force: true });
      await cp(template, copying, { recursive: true });
      await rename(copying, data);
    }

    let role = NO_ROLE_CHANGES;
    const provisioned = existsSync(provisionedFile)
      ? (JSON.parse(await readFile(provisionedFile, 'utf8')) as { database?: string }).database === spec.database
      : false;
    if (!provisioned) {
      const admin = await PGlite.create(data);
      try {
        role = await ensureRoleAndDatabase(queryOf(admin), spec.username, spec.database, password);
      } finally {
        await admin.close();
      }
      await writeFile(provisionedFile, JSON.stringify({ database: spec.database, username: spec.username }));
    }
    const db = await PGlite.create(data, { database: spec.database });
    try {
      // A password changed while the cluster slept is put in place now.
      if (provisioned) role = await ensureRoleAndDatabase(queryOf(db), spec.username, spec.database, password);
      await db.exec(`SET ROLE ${quoteIdentifier(spec.username)}`);
      // The server reads the credentials at each login through this holder, so a rotation applies at once.
      const holder = { credentials: { user: spec.username, password } };
      const { server, port } = await this.serve(db, preferredPort, () => holder.credentials);
      const instance: Instance = Object.assign(holder, { db, server, port });
      this.instances.set(clusterId, instance);
      return { port, created, started: true, restarted: false, role, maxConnections: null, previousMaxConnections: null };
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  /** Serves on the preferred port (a woken cluster keeps its address) or, when that is taken, any free one. */
  private async serve(db: PGlite, preferredPort: number | null, auth: () => PgliteCredentials): Promise<{ server: PgliteServer; port: number }> {
    if (preferredPort) {
      const server = new PgliteServer({ db, port: preferredPort, auth });
      try {
        return { server, port: await server.start() };
      } catch {
        await server.stop();
      }
    }
    const server = new PgliteServer({ db, port: 0, auth });
    return { server, port: await server.start() };
  }

  async stop(clusterId: string): Promise<boolean> {
    const instance = this.instances.get(clusterId);
    if (!instance) return false;
    this.instances.delete(clusterId);
    await instance.server.stop();
    await instance.db.close();
    return true;
  }

  async remove(clusterId: string): Promise<boolean> {
    const dir = clusterDir(this.dataDir, clusterId);
    await this.stop(clusterId);
    if (!existsSync(dir)) return false;
    await rm(dir, { recursive: true, force: true });
    return true;
  }

  /**
   * PGlite keeps no WAL archive: a backup is its whole data directory as a tar, taken between two sessions (no
   * client holds the single session meanwhile), so it is consistent; it restores only as a whole, to that moment.
   */
  async baseBackup(clusterId: string): Promise<BaseBackupStream> {
    const instance = this.instances.get(clusterId);
    if (!instance) throw new Error('the server is not running');
    const time = new Date().toISOString();
    const dump = await instance.server.runExclusive(() => instance.db.dumpDataDir('none'));
    const archive = Readable.from(Buffer.from(await dump.arrayBuffer()));
    return { archive, begin: { lsn: null, time }, done: Promise.resolve({ lsn: null, time }) };
  }

  /**
   * Replaces the cluster's data with a full backup (PGlite's own data directory tar). Data there before is kept aside
   * until the new data opens, and put back if it does not.
   */
  async restoreFull(clusterId: string, archive: Readable): Promise<void> {
    const dir = clusterDir(this.dataDir, clusterId);
    const data = this.data(clusterId);
    const aside = `${data}.pre-restore`;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await this.stop(clusterId);
    const chunks: Buffer[] = [];
    for await (const chunk of archive) chunks.push(chunk as Buffer);
    await rm(aside, { recursive: true, force: true });
    const hadData = existsSync(data);
    if (hadData) await rename(data, aside);
    try {
      const db = await PGlite.create(data, { loadDataDir: new Blob([Buffer.concat(chunks)]) });
      await db.close();
      // The role and database are made again for this cluster's own credentials when it starts.
      await rm(join(dir, 'provisioned.json'), { force: true });
    } catch (error) {
      await rm(data, { recursive: true, force: true });
      if (hadData) await rename(aside, data);
      throw error;
    }
    await rm(aside, { recursive: true, force: true });
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.instances.keys()].map(async (clusterId) => {
        try {
          await this.stop(clusterId);
          this.log.info('stopped a local server', { cluster_id: clusterId });
        } catch (error) {
          this.log.error('stopping a local server failed', { cluster_id: clusterId, error: (error as Error).message });
        }
      }),
    );
  }
}
