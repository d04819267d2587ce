import { env } from 'cloudflare:test';
import { SignJWT, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Bindings } from '../../../env.ts';
import { fromBase64Url, toBase64Url } from '../../../../protocol/encoding.ts';
import { call, errorCode, signUp, type Account, type ApiResponse } from '../../../test/harness.ts';

// The test runtime's env carries the Worker's bindings; Cloudflare.Env is not declared for this project.
const bindings = env as unknown as Bindings;
const testKey = JSON.parse(bindings.JWT_PRIVATE_KEY) as JWK;

/** A token shaped exactly like the API's, signed with `key` and expiring at `exp` (seconds since the epoch). */
async function accessToken(account: Account, key: JWK, exp: number): Promise<string> {
  return new SignJWT({ org: account.orgId, sid: 'fam_test' })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid ?? 'default', typ: 'JWT' })
    .setIssuer('orochi-cloud')
    .setAudience('orochi-api')
    .setSubject(account.userId)
    .setIssuedAt(exp - 900)
    .setExpirationTime(exp)
    .sign(await importJWK(key, 'ES256'));
}

const now = () => Math.floor(Date.now() / 1000);

function expectUnauthorized(res: ApiResponse) {
  expect(res.status).toBe(401);
  expect(errorCode(res)).toBe('unauthorized');
  expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
}

describe('GET /v1/auth/me', () => {
  it('accepts a Bearer access token', async () => {
    const account = await signUp({ name: 'Linus' });
    const res = await call('GET', '/v1/auth/me', { token: account.token });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: account.userId, email: account.email, name: 'Linus', email_verified: false, mfa_enabled: false });
    expect(res.body.organizations).toEqual([expect.objectContaining({ id: account.orgId, role: 'owner' })]);
    expect(res.body.current_org_id).toBe(account.orgId);
  });

  it('accepts the access token from the orochi_access cookie alone', async () => {
    const account = await signUp();
    const res = await call('GET', '/v1/auth/me', { headers: { cookie: `orochi_access=${account.token}` } });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(account.userId);
  });

  it('refuses a garbage cookie', async () => {
    expectUnauthorized(await call('GET', '/v1/auth/me', { headers: { cookie: 'orochi_access=garbage' } }));
  });

  it('accepts a token signed with the test key (control for the cases below)', async () => {
    const account = await signUp();
    const res = await call('GET', '/v1/auth/me', { token: await accessToken(account, testKey, now() + 600) });
    expect(res.status).toBe(200);
  });

  it('refuses an expired token as a cookie', async () => {
    const account = await signUp();
    const expired = await accessToken(account, testKey, now() - 60);
    expectUnauthorized(await call('GET', '/v1/auth/me', { headers: { cookie: `orochi_access=${expired}` } }));
  });

  it('refuses a token whose payload was tampered with', async () => {
    const account = await signUp();
    const other = await signUp();
    const [header, payload, signature] = account.token.split('.') as [string, string, string];
    const flipped = payload.slice(0, 10) + (payload[10] === 'A' ? 'B' : 'A') + payload.slice(11);
    expectUnauthorized(await call('GET', '/v1/auth/me', { token: `${header}.${flipped}.${signature}` }));

    // A well-formed payload claiming another user, under the original signature.
    const claims = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)));
    const forged = toBase64Url(new TextEncoder().encode(JSON.stringify({ ...claims, sub: other.userId })));
    expectUnauthorized(await call('GET', '/v1/auth/me', { token: `${header}.${forged}.${signature}` }));
  });

  it('refuses an unsigned (alg: none) token', async () => {
    const account = await signUp();
    const encode = (value: object) => toBase64Url(new TextEncoder().encode(JSON.stringify(value)));
    const header = encode({ alg: 'none', typ: 'JWT' });
    const payload = encode({ sub: account.userId, org: account.orgId, sid: 'fam_test', iss: 'orochi-cloud', aud: 'orochi-api', iat: now(), exp: now() + 600 });
    expectUnauthorized(await call('GET', '/v1/auth/me', { token: `${header}.${payload}.` }));
    expectUnauthorized(await call('GET', '/v1/auth/me', { token: `${header}.${payload}` }));
  });

  it('refuses a malformed Authorization header', async () => {
    const account = await signUp();
    for (const authorization of ['Bearer', `Bearer ${account.token} extra`, account.token]) {
      expectUnauthorized(await call('GET', '/v1/auth/me', { headers: { authorization } }));
    }
  });

  it('refuses a bad Bearer token even when a good cookie is present', async () => {
    const account = await signUp();
    expectUnauthorized(await call('GET', '/v1/auth/me', { token: 'not-a-jwt', headers: { cookie: `orochi_access=${account.token}` } }));
  });
});

describe('cookie-authenticated writes', () => {
  it('refuses a state-changing request from a foreign origin', async () => {
    const account = await signUp();
    const res = await call('POST', '/v1/auth/verify-email/resend', {
      headers: { cookie: `orochi_access=${account.token}`, origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(errorCode(res)).toBe('forbidden');

    const logout = await call('POST', '/v1/auth/logout', { headers: { cookie: `orochi_access=${account.token}`, origin: 'https://evil.example' } });
    expect(logout.status).toBe(403);
    // The session survived the forged logout.
    const refresh = await call('POST', '/v1/auth/refresh', { body: { refresh_token: account.refreshToken } });
    expect(refresh.status).toBe(200);
  });

  it('allows the same request from the app origin, or with a Bearer token from anywhere', async () => {
    const account = await signUp();
    const fromApp = await call('POST', '/v1/auth/verify-email/resend', {
      headers: { cookie: `orochi_access=${account.token}`, origin: 'http://localhost:8787' },
    });
    expect(fromApp.status).toBe(202);
    const bearer = await call('POST', '/v1/auth/verify-email/resend', { token: account.token, headers: { origin: 'https://elsewhere.example' } });
    expect(bearer.status).toBe(202);
  });
});
