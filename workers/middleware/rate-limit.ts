// API-wide rate limits: a token bucket per API key, per signed-in user, or per client address for anonymous
// calls, sized by the plan of the organization the key or session belongs to (anonymous calls: the plan new
// organizations start on), held in a RateLimiterDO named for the bucket: one RPC per request, exact across every
// edge location, which Workers' rate-limiting binding (approximate, counted per location) is not.
//
// `rateLimit` runs after authentication and refuses with 429 and Retry-After beyond the limit. `rateLimitHeaders`
// wraps everything after it and puts RateLimit-Policy and RateLimit on every response, including the errors of the
// middleware that ran before the limiter could (a refused API key, a body over the limit): those count against the
// client address.
//
// Not limited here: the region agents' endpoints (/v1/agent/*), which user traffic must never starve. They carry
// agent credentials, not user ones, and registration has its own per-address limit (lib/rate-limit.ts). A
// WebSocket upgrade (/v1/realtime) counts as one request; the 101 handshake itself is left as the runtime made it.
import { createMiddleware } from 'hono/factory';
import { clientIp, type AppContext, type AppEnv } from '../context.ts';
import { ApiError } from '../../core/errors.ts';
import { isLocal } from '../../core/settings.ts';
import { log } from '../../core/logger.ts';
import { rateLimiterObject } from '../../durable-objects/rate-limiter/stub.ts';
import type { BucketVerdict } from '../../durable-objects/rate-limiter/stub.ts';
import { rateLimitHeaders as headersFor, ratePolicy, type RatePolicy } from '../lib/api-rate-limits.ts';
import { cachedOrgPlan } from '../lib/org-plan-cache.ts';

export interface RateLimitState {
  policy: RatePolicy;
  verdict: BucketVerdict;
  /** How long finding the bucket and taking from it took. */
  ms: number;
}

const isAgentPath = (path: string) => path.startsWith('/v1/agent/');

/** The caller's bucket: its object's name and size. */
async function bucketFor(c: AppContext, anonymous: boolean): Promise<{ key: string; policy: RatePolicy }> {
  const { settings } = c.var;
  const principal = anonymous ? null : c.var.principal;
  if (!principal) {
    return { key: `api:ip:${clientIp(c)}`, policy: ratePolicy('anonymous', settings.DEFAULT_PLAN, settings.RATE_LIMIT_SCALE) };
  }
  const plan = (principal.orgId && (await cachedOrgPlan(c.var.database.query(), principal.orgId))) || 'free';
  const key = principal.apiKeyId ? `api:key:${principal.apiKeyId}` : `api:user:${principal.userId}`;
  return { key, policy: ratePolicy(plan, plan, settings.RATE_LIMIT_SCALE) };
}

/**
 * Takes one request from the caller's bucket. A limiter that cannot be reached lets the request through
 * (logged): an outage of the limits should not become an outage of the API.
 */
async function take(c: AppContext, anonymous: boolean): Promise<RateLimitState | null> {
  const started = performance.now();
  try {
    const { key, policy } = await bucketFor(c, anonymous);
    const verdict = await rateLimiterObject(c.env, key).take(policy.capacity, policy.refillPerSecond);
    return { policy, verdict, ms: performance.now() - started };
  } catch (error) {
    log('warn', 'rate limiter unavailable; request let through', {
      request_id: c.var.requestId,
      error: error instanceof Error ? error.message : String(error),
    });
    return null;
  }
}

export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  if (isAgentPath(c.req.path)) return next();
  const state = await take(c, false);
  if (state) {
    c.set('rateLimit', state);
    if (!state.verdict.allowed) {
      const wait = state.verdict.retryAfterSeconds;
      throw new ApiError('rate_limited', `Rate limit exceeded; try again in ${wait} second${wait === 1 ? '' : 's'}`, {
        headers: { 'Retry-After': String(wait) },
      });
    }
  }
  return next();
});

export const rateLimitHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.status === 101 || isAgentPath(c.req.path)) return;
  // The limiter did not run when an earlier middleware answered: count that request against the address.
  const state = c.var.rateLimit ?? (await take(c, true));
  if (!state) return;
  const headers = headersFor(state.policy, state.verdict);
  // What the limit cost this request, for the benchmark; only outside production, where timings are nobody's business.
  if (isLocal(c.var.settings)) headers['Server-Timing'] = `ratelimit;dur=${state.ms.toFixed(2)}`;
  try {
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // A response passed through from a binding (the assets, a Durable Object) has immutable headers: copy it.
    c.res = new Response(c.res.body, c.res);
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  }
});
