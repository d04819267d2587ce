// What every request carries through the middleware chain.
import type { Context } from 'hono';
import type { RequestDatabase } from '../core/db.ts';
import type { Principal, RequestMeta } from '../core/request.ts';
import type { Settings } from '../core/settings.ts';
import type { Bindings } from './env.ts';
import type { RateLimitState } from './middleware/rate-limit.ts';

export interface Variables {
  requestId: string;
  settings: Settings;
  database: RequestDatabase;
  principal: Principal | null;
  /** Why the credentials sent were refused, for routes that require them. */
  authFailure: string | null;
  /** The caller's rate limit bucket after this request (middleware/rate-limit.ts), for the response headers. */
  rateLimit?: RateLimitState;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

export type AppContext = Context<AppEnv>;

export const db = (c: AppContext) => c.var.database.db();

/** One-shot statements over HTTP: the fast path for reads. Use `db(c)` for transactions. */
export const query = (c: AppContext) => c.var.database.query();

export function clientIp(c: AppContext): string {
  return c.req.header('cf-connecting-ip') ?? 'unknown';
}

/** The request as the domain services in core/ see it. */
export function meta(c: AppContext): RequestMeta {
  return {
    settings: c.var.settings,
    requestId: c.var.requestId,
    ip: clientIp(c),
    userAgent: c.req.header('user-agent') ?? null,
    userId: c.var.principal?.userId ?? null,
    apiKeyId: c.var.principal?.apiKeyId ?? null,
  };
}
