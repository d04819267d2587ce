// The catalog connection. Workers cannot share sockets between requests, so each request that needs the
// database opens one connection on first use (Neon's WebSocket driver) and closes it when the response is done.
// Locally the driver's WebSocket goes to the dev bridge instead of Neon's proxy.
import { Pool, neonConfig } from '@neondatabase/serverless';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import * as schema from '../../drizzle/schema.ts';
import type { Settings } from '../env.ts';

export type Database = NeonDatabase<typeof schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
export type Queryable = Database | Transaction;

let configuredProxy: string | undefined;

function configureDriver(wsProxy: string | undefined): void {
  if (!wsProxy || configuredProxy === wsProxy) return;
  configuredProxy = wsProxy;
  // Local targets only: plain ws:// to the bridge, and no pipelined startup (the local server does not
  // use cleartext password auth, which pipelining assumes).
  neonConfig.wsProxy = `${wsProxy}/v2`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
}

export interface RequestDatabase {
  db(): Database;
  close(): Promise<void>;
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
        db = drizzle(pool, { schema });
      }
      return db;
    },
    async close() {
      if (pool) await pool.end();
      pool = null;
      db = null;
    },
  };
}
