// The API-wide rate limits by plan (the architecture's Appendix C: requests a minute and a burst) and the
// RateLimit-Policy / RateLimit response headers of the IETF httpapi draft (draft-ietf-httpapi-ratelimit-headers).
// Each caller's bucket holds the plan's burst and refills at its per-minute rate, so a client may spend the burst at
// once and then keeps the per-minute pace. In the draft's terms the policy is `q` = the burst over `w` = the seconds
// the bucket takes to refill from empty: the same sustained rate, stated with the burst it allows.
import type { Plan } from '../../protocol/enums.ts';
import type { BucketVerdict } from '../../durable-objects/rate-limiter/stub.ts';

export interface PlanRate {
  perMinute: number;
  burst: number;
}

/** Appendix C gives free, pro and enterprise; team sits between pro and enterprise with the same burst ratio. */
export const API_RATE_LIMITS: Record<Plan, PlanRate> = {
  free: { perMinute: 60, burst: 100 },
  pro: { perMinute: 600, burst: 1000 },
  team: { perMinute: 1800, burst: 3000 },
  enterprise: { perMinute: 6000, burst: 10000 },
};

/** One bucket's size, as the limiter object takes it and the headers state it. */
export interface RatePolicy {
  /** The policy's name in the headers: the plan, or `anonymous`. */
  name: string;
  capacity: number;
  refillPerSecond: number;
}

/** A plan's bucket, multiplied by RATE_LIMIT_SCALE (1 in production). */
export function ratePolicy(name: string, plan: Plan, scale: number): RatePolicy {
  const rate = API_RATE_LIMITS[plan];
  return { name, capacity: Math.max(1, Math.round(rate.burst * scale)), refillPerSecond: (rate.perMinute * scale) / 60 };
}

/** The two headers for a response: the policy, and where this caller stands in it after the request. */
export function rateLimitHeaders(policy: RatePolicy, verdict: BucketVerdict): Record<string, string> {
  const window = Math.ceil(policy.capacity / policy.refillPerSecond);
  return {
    'RateLimit-Policy': `"${policy.name}";q=${policy.capacity};w=${window}`,
    RateLimit: `"${policy.name}";r=${verdict.remaining};t=${verdict.resetSeconds}`,
  };
}
