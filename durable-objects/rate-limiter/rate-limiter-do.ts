// One RateLimiterDO per key (`login:account:<email>`, `login:ip:<addr>`): a sliding window of recent hits in
// the object's SQLite storage. A Durable Object is the single place every edge location agrees on, and it
// serializes calls per key, so counting cannot race. The API-wide limits (workers/middleware/rate-limit.ts) use
// `take`, a token bucket answered in one call, in objects of their own (`api:user:<id>`, `api:key:<id>`, `api:ip:<addr>`).
import { DurableObject } from 'cloudflare:workers';

export interface RateLimitVerdict {
  allowed: boolean;
  remaining: number;
  retryAfterSeconds: number;
}

/** A token bucket's answer: whether this request may go ahead, and what the RateLimit headers report. */
export interface BucketVerdict {
  allowed: boolean;
  /** Whole requests left in the bucket after this one. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until the next request fits; 0 when this one was allowed. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiterDO extends DurableObject {
  /** The bucket as last written: read from storage once per object lifetime, then kept in memory. */
  private bucket: Bucket | null = null;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS hits (at INTEGER NOT NULL)');
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS bucket (id INTEGER PRIMARY KEY CHECK (id = 1), tokens REAL NOT NULL, at INTEGER NOT NULL)');
  }

  /**
   * Takes one token from a bucket holding at most `capacity`, refilled at `refillPerSecond`, and says whether
   * there was one. A new bucket starts full. Only an allowed request is written (storage holds the state a refused
   * one would recompute anyway), so a flood of refused calls costs no writes.
   */
  take(capacity: number, refillPerSecond: number): BucketVerdict {
    const now = Date.now();
    const last = (this.bucket ??= this.ctx.storage.sql
      .exec<{ tokens: number; at: number }>('SELECT tokens, at FROM bucket WHERE id = 1')
      .toArray()[0] ?? { tokens: capacity, at: now });
    const tokens = Math.min(capacity, last.tokens + (Math.max(0, now - last.at) / 1000) * refillPerSecond);
    const allowed = tokens >= 1;
    const left = allowed ? tokens - 1 : tokens;
    if (allowed) {
      this.bucket = { tokens: left, at: now };
      this.ctx.storage.sql.exec('INSERT OR REPLACE INTO bucket (id, tokens, at) VALUES (1, ?, ?)', left, now);
    }
    return {
      allowed,
      remaining: Math.floor(left),
      resetSeconds: Math.ceil((capacity - left) / refillPerSecond),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - left) / refillPerSecond)),
    };
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
