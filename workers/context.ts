// What every request carries through the middleware chain.
import type { Context } from 'hono';
import type { Bindings, Settings } from './env.ts';
import type { RequestDatabase } from './lib/db.ts';

export interface Principal {
  userId: string;
  /** The organization the session was opened for; routes fall back to it when none is named. */
  orgId: string | null;
  /** The refresh-token family of the session. */
  sessionId: string;
  via: 'bearer' | 'cookie';
}

export interface Variables {
  requestId: string;
  settings: Settings;
  database: RequestDatabase;
  principal: Principal | null;
  /** Why the credentials sent were refused, for routes that require them. */
  authFailure: string | null;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

export type AppContext = Context<AppEnv>;

export const db = (c: AppContext) => c.var.database.db();

/** One-shot statements over HTTP: the fast path for reads. Use `db(c)` for transactions. */
export const query = (c: AppContext) => c.var.database.query();
