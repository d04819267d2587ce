// The way to a RateLimiterDO: one per limited key (an account, a client address), named by the key.
import type { BucketVerdict, RateLimiterDO } from './rate-limiter-do.ts';

export type { BucketVerdict };

export function rateLimiterObject(env: { RATE_LIMITER: DurableObjectNamespace<RateLimiterDO> }, key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
}
