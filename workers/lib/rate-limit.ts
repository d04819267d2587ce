import { rateLimiterObject } from '../../durable-objects/rate-limiter/stub.ts';
import type { AppContext } from '../context.ts';
import { ApiError } from '../../core/errors.ts';

// 5 attempts per 15 minutes, per account and per client address (the roadmap's auth limit).
export const LOGIN_LIMIT = { limit: 5, windowMs: 15 * 60 * 1000 } as const;
// Mail-sending requests from one client address (offices share addresses, so looser than per account).
export const MAIL_PER_ADDRESS_LIMIT = { limit: 20, windowMs: 15 * 60 * 1000 } as const;
// Agent registrations from one client address: an operator installing a fleet fits, guessing tokens does not.
export const AGENT_REGISTER_LIMIT = { limit: 20, windowMs: 15 * 60 * 1000 } as const;

/** The per-account login limiter; a password reset clears it, since the owner has just proven who they are. */
export const loginAccountKey = (email: string) => `login:account:${email}`;

function limiter(c: AppContext, key: string) {
  return rateLimiterObject(c.env, key);
}

/** Throws 429 with Retry-After if any of the keys has used up its window. */
export async function enforceLimit(c: AppContext, keys: string[], rule: { limit: number; windowMs: number }): Promise<void> {
  const verdicts = await Promise.all(keys.map((key) => limiter(c, key).check(rule.limit, rule.windowMs)));
  const retryAfter = Math.max(0, ...verdicts.filter((v) => !v.allowed).map((v) => v.retryAfterSeconds));
  if (retryAfter > 0) {
    throw new ApiError('rate_limited', `Too many attempts; try again in ${retryAfter} seconds`, {
      headers: { 'Retry-After': String(retryAfter) },
    });
  }
}

export async function recordHit(c: AppContext, keys: string[]): Promise<void> {
  await Promise.all(keys.map((key) => limiter(c, key).record()));
}

export async function resetLimit(c: AppContext, key: string): Promise<void> {
  await limiter(c, key).reset();
}
