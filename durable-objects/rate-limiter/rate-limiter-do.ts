// One RateLimiterDO per key (`login:account:<email>`, `login:ip:<addr>`): a sliding window of recent hits in
// the object's SQLite storage. A Durable Object is the single place every edge location agrees on, and it
// serializes calls per key, so counting cannot race.
import { DurableObject } from 'cloudflare:workers';

export interface RateLimitVerdict {
  allowed: boolean;
  remaining: number;
  retryAfterSeconds: number;
}

export class RateLimiterDO extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS hits (at INTEGER NOT NULL)');
  }

  /** Whether another hit fits in the window, without recording one. */
  check(limit: number, windowMs: number): RateLimitVerdict {
    const now = Date.now();
    this.ctx.storage.sql.exec('DELETE FROM hits WHERE at <= ?', now - windowMs);
    const rows = this.ctx.storage.sql.exec<{ at: number }>('SELECT at FROM hits ORDER BY at ASC').toArray();
    if (rows.length < limit) return { allowed: true, remaining: limit - rows.length, retryAfterSeconds: 0 };
    // The window frees a slot when the oldest hit that keeps it full falls out.
    const oldest = rows[rows.length - limit]!.at;
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)) };
  }

  record(): void {
    this.ctx.storage.sql.exec('INSERT INTO hits (at) VALUES (?)', Date.now());
  }

  reset(): void {
    this.ctx.storage.sql.exec('DELETE FROM hits');
  }
}
