// The catalog database behind the local stack and the tests: embedded PGlite served on the wire protocol,
// or any real Postgres named by a URL, with the drizzle migrations applied and the WebSocket bridge in front
// so the Neon driver inside workerd can reach it.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { PgliteServer } from '../agent/drivers/local/pglite-server.ts';
import { WsBridge } from './ws-bridge.ts';

export const migrationsFolder = fileURLToPath(new URL('../drizzle/migrations', import.meta.url));

export interface Catalog {
  /** The URL the Worker uses: its host and port are the database's; the bridge carries the bytes. */
  databaseUrl: string;
  /** host:port of the WebSocket bridge, for neonConfig.wsProxy. */
  wsProxy: string;
  engine: 'pglite' | 'postgres';
  dataDir: string | null;
  stop(): Promise<void>;
}

export async function applyMigrations(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.end();
  }
}

/**
 * Starts the catalog. With `databaseUrl` the bridge fronts that server; otherwise PGlite runs embedded,
 * persisted in `dataDir` (in memory when `dataDir` is null).
 */
export async function startCatalog(options: { databaseUrl?: string; dataDir: string | null }): Promise<Catalog> {
  let pglite: PGlite | null = null;
  let server: PgliteServer | null = null;
  let databaseUrl = options.databaseUrl;
  if (!databaseUrl) {
    if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
    pglite = await PGlite.create(options.dataDir ?? undefined);
    server = new PgliteServer({ db: pglite });
    const port = await server.start();
    databaseUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  }
  await applyMigrations(databaseUrl);
  const target = new URL(databaseUrl);
  const bridge = new WsBridge({ target: { host: target.hostname, port: Number(target.port || 5432) } });
  const bridgePort = await bridge.start();
  return {
    databaseUrl,
    wsProxy: `127.0.0.1:${bridgePort}`,
    engine: pglite ? 'pglite' : 'postgres',
    dataDir: pglite ? options.dataDir : null,
    async stop() {
      await bridge.stop();
      await server?.stop();
      await pglite?.close();
    },
  };
}
