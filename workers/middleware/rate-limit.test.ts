// The API-wide rate limits as a client meets them: the RateLimit-Policy and RateLimit headers on every kind of
// response, one bucket per API key, per user and per anonymous address, sized by plan, 429 with Retry-After and the
// API's error body beyond, a bucket that refills, and region agents that are never limited. The suite runs with
// limits x1000 (vitest.config.ts); these tests pass their own RATE_LIMIT_SCALE per request.
import { describe, expect, it } from 'vitest';
import { regionWithAgent } from '../test/agents.ts';
import { call, errorCode, seedCluster, setPlan, signUp, uniqueIp, type ApiResponse, type CallOptions } from '../test/harness.ts';
import type { Plan } from '../../protocol/enums.ts';

/** At scale 0.05 the free plan's bucket holds 5 requests and refills one every 20 s. */
const TINY = { RATE_LIMIT_SCALE: '0.05' };
const REAL = { RATE_LIMIT_SCALE: '1' };

const at = (scale: Record<string, string>, options: CallOptions = {}): CallOptions => ({ ...options, bindings: { ...options.bindings, ...scale } });

function limitOf(res: ApiResponse) {
  return { policy: res.headers.get('ratelimit-policy'), limit: res.headers.get('ratelimit') };
}

/** Calls until the bucket refuses (at most `bound` calls); returns the refusal. */
async function exhaust(method: string, path: string, options: CallOptions, bound: number): Promise<ApiResponse> {
  for (let i = 0; i < bound; i += 1) {
    const res = await call(method, path, options);
    if (res.status === 429) return res;
  }
  throw new Error(`no 429 within ${bound} calls to ${path}`);
}

describe('RateLimit headers', () => {
  it('are on successes, client errors, server errors, the OpenAPI document and the docs page', async () => {
    const ip = uniqueIp();
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const responses = {
      ok: await call('GET', '/v1/health', at(REAL, { ip })),
      unauthorized: await call('GET', '/v1/projects', at(REAL, { ip })),
      missing: await call('GET', '/v1/no-such-route', at(REAL, { ip })),
      invalid: await call('POST', '/v1/auth/login', at(REAL, { ip, body: { email: 'not an address' } })),
      openapi: await call('GET', '/v1/openapi.json', at(REAL, { ip })),
      docs: await call('GET', '/docs', at(REAL, { ip })),
      authenticated: await call('GET', '/v1/projects', at(REAL, { ip, token: ada.token })),
      // No agent holds the cluster's region: the API answers 503 region_unavailable.
      server: await call('GET', `/v1/clusters/${clusterId}/logs`, at(REAL, { ip, token: ada.token })),
    };
    expect(Object.fromEntries(Object.entries(responses).map(([name, res]) => [name, res.status]))).toEqual({
      ok: 200,
      unauthorized: 401,
      missing: 404,
      invalid: 400,
      openapi: 200,
      docs: 200,
      authenticated: 200,
      server: 503,
    });
    // Six anonymous calls from one address, one bucket: the remaining count goes down by one each time.
    const anonymous = ['ok', 'unauthorized', 'missing', 'invalid', 'openapi', 'docs'] as const;
    expect(anonymous.map((name) => limitOf(responses[name]))).toEqual(
      anonymous.map((_, i) => ({ policy: '"anonymous";q=100;w=100', limit: `"anonymous";r=${99 - i};t=${i + 1}` })),
    );
    // The signed-in calls count in the user's own bucket, sized by the org's plan.
    expect([limitOf(responses.authenticated), limitOf(responses.server)]).toEqual([
      { policy: '"free";q=100;w=100', limit: '"free";r=99;t=1' },
      { policy: '"free";q=100;w=100', limit: '"free";r=98;t=2' },
    ]);
  });
});

describe('buckets', () => {
  it('are sized by the plan of the caller’s organization', async () => {
    const sizes: Partial<Record<Plan, string | null>> = {};
    for (const plan of ['free', 'pro', 'team', 'enterprise'] as const) {
      const account = await signUp();
      await setPlan(account.orgId, plan);
      sizes[plan] = limitOf(await call('GET', '/v1/projects', at(REAL, { token: account.token }))).policy;
    }
    expect(sizes).toEqual({
      free: '"free";q=100;w=100',
      pro: '"pro";q=1000;w=100',
      team: '"team";q=3000;w=100',
      enterprise: '"enterprise";q=10000;w=100',
    });
  });

  it('refuse with 429, Retry-After and the error body past the limit, with the headers saying none are left', async () => {
    const ip = uniqueIp();
    const allowed = [];
    for (let i = 0; i < 5; i += 1) allowed.push((await call('GET', '/v1/health', at(TINY, { ip }))).status);
    expect(allowed).toEqual([200, 200, 200, 200, 200]);
    const refused = await call('GET', '/v1/health', at(TINY, { ip }));
    expect(refused.status).toBe(429);
    expect(errorCode(refused)).toBe('rate_limited');
    expect(refused.body.error.message).toBe('Rate limit exceeded; try again in 20 seconds');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(19);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(20);
    expect(refused.headers.get('ratelimit-policy')).toBe('"anonymous";q=5;w=100');
    expect(refused.headers.get('ratelimit')).toMatch(/^"anonymous";r=0;t=(99|100)$/);
  });

  it('per API key, per user and per address are independent of each other', async () => {
    const ip = uniqueIp();
    const ada = await signUp();
    const grace = await signUp();
    const created = await call('POST', '/v1/api-keys', { token: ada.token, body: { name: 'ci', org_id: ada.orgId, role: 'admin' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const key: string = created.body.secret;

    // The address used up: signed-in users and keys calling from it are not.
    await exhaust('GET', '/v1/health', at(TINY, { ip }), 10);
    expect((await call('GET', '/v1/projects', at(TINY, { ip, token: ada.token }))).status).toBe(200);
    // Ada used up: Grace and Ada's key each keep their own count.
    const adaRefused = await exhaust('GET', '/v1/projects', at(TINY, { ip, token: ada.token }), 10);
    expect(limitOf(adaRefused).limit).toMatch(/^"free";r=0;/);
    const graceOk = await call('GET', '/v1/projects', at(TINY, { ip, token: grace.token }));
    const keyOk = await call('GET', '/v1/projects', at(TINY, { ip, token: key }));
    expect([graceOk.status, keyOk.status]).toEqual([200, 200]);
    expect([limitOf(graceOk).limit, limitOf(keyOk).limit]).toEqual(['"free";r=4;t=20', '"free";r=4;t=20']);
    // The key used up: its creator's other sessions are refused for their own count only, and a new address is fresh.
    await exhaust('GET', '/v1/projects', at(TINY, { ip, token: key }), 10);
    expect((await call('GET', '/v1/projects', at(TINY, { ip, token: grace.token }))).status).toBe(200);
    expect((await call('GET', '/v1/health', at(TINY, { ip: uniqueIp() }))).status).toBe(200);
    // A key refused before the limiter runs (keys cannot act on an account) counts against its address.
    const misused = await call('GET', '/v1/auth/me', at(TINY, { ip: uniqueIp(), token: key }));
    expect([misused.status, limitOf(misused)]).toEqual([403, { policy: '"anonymous";q=5;w=100', limit: '"anonymous";r=4;t=20' }]);
  });

  it('refill: a refused client is let through again once Retry-After has passed', async () => {
    const ip = uniqueIp();
    // At scale 1 anonymous calls get the free plan's 100 at once, refilled one a second.
    const refused = await exhaust('GET', '/v1/health', at(REAL, { ip }), 150);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
    const again = await call('GET', '/v1/health', at(REAL, { ip }));
    expect(again.status).toBe(200);
    expect(again.headers.get('ratelimit')).toMatch(/^"anonymous";r=0;t=\d+$/);
  });
});

describe('region agents', () => {
  it('are not limited by the traffic of their address, and their responses carry no user policy', async () => {
    const ip = uniqueIp();
    const { credential } = await regionWithAgent(await signUp());
    await exhaust('GET', '/v1/health', at(TINY, { ip }), 10);
    const renewals = [];
    for (let i = 0; i < 8; i += 1) renewals.push(await call('POST', '/v1/agent/token', at(TINY, { ip, token: credential })));
    expect(renewals.map((res) => res.status)).toEqual(Array(8).fill(200));
    expect(limitOf(renewals[0]!)).toEqual({ policy: null, limit: null });
  });

  it('a WebSocket upgrade counts as one request of the user, refused with 429 past the limit', async () => {
    const ip = uniqueIp();
    const ada = await signUp();
    await exhaust('GET', '/v1/projects', at(TINY, { ip, token: ada.token }), 10);
    const upgrade = await call('GET', '/v1/realtime', at(TINY, { ip, token: ada.token, headers: { Upgrade: 'websocket' } }));
    expect(upgrade.status).toBe(429);
    expect(errorCode(upgrade)).toBe('rate_limited');
  });
});
