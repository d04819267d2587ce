// The catalog connection, two ways, both through Neon's serverless driver:
//   query()  SQL over HTTP: one round trip per statement, no connection set-up. For one-shot statements, which
//            is most reads on hot paths.
//   db()     a WebSocket session (Postgres wire protocol): interactive transactions and multi-step work.
// Workers cannot share sockets between requests, so the session opens on first use and closes when the
// response is done. Locally both go to the dev bridge instead of Neon's proxy.
import { Pool, neon, neonConfig } from '@neondatabase/serverless';
import { drizzle as drizzleHttp, type NeonHttpDatabase } from 'drizzle-orm/neon-http';
import { drizzle as drizzleWs, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from '../drizzle/schema.ts';
import type { Settings } from './settings.ts';
import { log } from './logger.ts';

export type Database = NeonDatabase<typeof schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Anything that runs drizzle queries: the HTTP client, the session, or a transaction inside it. */
export type Queryable = PgDatabase<PgQueryResultHKT, typeof schema>;

let configuredProxy: string | undefined;

function configureDriver(localProxy: string | undefined): void {
  if (!localProxy || configuredProxy === localProxy) return;
  configuredProxy = localProxy;
  // Local targets only: plain ws:// and http:// to the bridge, and no pipelined start-up (the local server
  // does not use cleartext password auth, which pipelining assumes).
  neonConfig.wsProxy = `${localProxy}/v2`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  neonConfig.fetchEndpoint = `http://${localProxy}/sql`;
}

export type HttpDatabase = NeonHttpDatabase<typeof schema>;

export interface RequestDatabase {
  db(): Database;
  query(): Queryable;
  /** The HTTP client itself, for `batch`: several statements in one round trip, as one transaction. */
  http(): HttpDatabase;
  close(): Promise<void>;
}

// The HTTP client holds no connection (each statement is its own fetch), so one per catalog URL serves every
// request of the isolate; building drizzle with the schema per request was measurable on the hot read path.
const httpClients = new Map<string, HttpDatabase>();

function httpClient(databaseUrl: string): HttpDatabase {
  let client = httpClients.get(databaseUrl);
  if (!client) {
    client = drizzleHttp(neon(databaseUrl), { schema });
    httpClients.set(databaseUrl, client);
  }
  return client;
}

export function openDatabase(settings: Settings): RequestDatabase {
  configureDriver(settings.DB_WS_PROXY);
  let pool: Pool | null = null;
  let db: Database | null = null;
  return {
    db() {
      if (!db) {
        // One connection is all a request needs; transactions check it out exclusively.
        pool = new Pool({ connectionString: settings.DATABASE_URL, max: 1 });
        // An idle connection that drops (the server closing it as the pool ends, say) is reported on the
        // pool; unlistened, that event is an uncaught error. The next query opens a fresh connection anyway.
        pool.on('error', (error: Error) => log('warn', 'catalog connection lost while idle', { error: error.message }));
        db = drizzleWs(pool, { schema });
      }
      return db;
    },
    query() {
      return this.http() as unknown as Queryable;
    },
    http() {
      return httpClient(settings.DATABASE_URL);
    },
    async close() {
      if (pool) await pool.end();
      pool = null;
      db = null;
    },
  };
}
