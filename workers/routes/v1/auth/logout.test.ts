import { describe, expect, it } from 'vitest';
import { call, errorCode, signUp } from '../../../test/harness.ts';
import { setCookieLine } from '../../../test/auth-flows.ts';

const refresh = (refresh_token: string) => call('POST', '/v1/auth/refresh', { body: { refresh_token } });

function expectCookiesCleared(res: { headers: Headers }) {
  expect(setCookieLine(res, 'orochi_access')).toMatch(/^orochi_access=;.*Max-Age=0/);
  expect(setCookieLine(res, 'orochi_access')).toMatch(/Path=\/(;|$)/);
  expect(setCookieLine(res, 'orochi_refresh')).toMatch(/^orochi_refresh=;.*Max-Age=0/);
  expect(setCookieLine(res, 'orochi_refresh')).toMatch(/Path=\/v1\/auth/);
}

describe('POST /v1/auth/logout', () => {
  it('revokes the session of the refresh token in the body and clears the cookies', async () => {
    const account = await signUp();
    const rotated = await refresh(account.refreshToken);
    expect(rotated.status).toBe(200);

    // Logging out with an older token of the session ends the whole session.
    const res = await call('POST', '/v1/auth/logout', { body: { refresh_token: account.refreshToken } });
    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expectCookiesCleared(res);

    const after = await refresh(rotated.body.refresh_token);
    expect(after.status).toBe(401);
    expect(errorCode(after)).toBe('unauthorized');
  });

  it('takes the refresh token from the cookie', async () => {
    const account = await signUp();
    const res = await call('POST', '/v1/auth/logout', { headers: { cookie: `orochi_refresh=${account.refreshToken}` } });
    expect(res.status).toBe(204);
    expectCookiesCleared(res);
    expect((await refresh(account.refreshToken)).status).toBe(401);
  });

  it('without a refresh token, revokes the session of the access token', async () => {
    const account = await signUp();
    const res = await call('POST', '/v1/auth/logout', { token: account.token });
    expect(res.status).toBe(204);
    expect((await refresh(account.refreshToken)).status).toBe(401);

    const viaCookie = await signUp();
    const cookieLogout = await call('POST', '/v1/auth/logout', { headers: { cookie: `orochi_access=${viaCookie.token}` } });
    expect(cookieLogout.status).toBe(204);
    expect((await refresh(viaCookie.refreshToken)).status).toBe(401);
  });

  it('ends only the session it is given', async () => {
    const account = await signUp();
    const other = await call('POST', '/v1/auth/login', { body: { email: account.email, password: account.password } });
    expect((await call('POST', '/v1/auth/logout', { body: { refresh_token: account.refreshToken } })).status).toBe(204);
    expect((await refresh(other.body.refresh_token)).status).toBe(200);
  });

  it('is idempotent: unknown, already revoked or absent tokens still answer 204', async () => {
    const account = await signUp();
    const first = await call('POST', '/v1/auth/logout', { body: { refresh_token: account.refreshToken } });
    expect(first.status).toBe(204);
    const again = await call('POST', '/v1/auth/logout', { body: { refresh_token: account.refreshToken } });
    expect(again.status).toBe(204);
    const unknown = await call('POST', '/v1/auth/logout', { body: { refresh_token: 'rt_never-issued' } });
    expect(unknown.status).toBe(204);
    expectCookiesCleared(unknown);
    const anonymous = await call('POST', '/v1/auth/logout');
    expect(anonymous.status).toBe(204);
  });

  it('answers a malformed body with 400', async () => {
    const res = await call('POST', '/v1/auth/logout', { body: { refresh_token: '' } });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('validation_failed');
  });
});
