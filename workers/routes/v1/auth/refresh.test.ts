import { describe, expect, it } from 'vitest';
import { call, errorCode, signUp } from '../../../test/harness.ts';
import { cookieValue, setCookieLine } from '../../../test/auth-flows.ts';

const refresh = (refresh_token: string) => call('POST', '/v1/auth/refresh', { body: { refresh_token } });

describe('POST /v1/auth/refresh', () => {
  it('rotates: a new working pair, in the body and in cookies', async () => {
    const account = await signUp();
    const res = await refresh(account.refreshToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, user: { id: account.userId, email: account.email } });
    expect(res.body.refresh_token).not.toBe(account.refreshToken);
    expect(cookieValue(res, 'orochi_access')).toBe(res.body.access_token);
    expect(cookieValue(res, 'orochi_refresh')).toBe(res.body.refresh_token);
    expect(setCookieLine(res, 'orochi_refresh')).toMatch(/HttpOnly.*Secure|Secure.*HttpOnly/);

    const me = await call('GET', '/v1/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.current_org_id).toBe(account.orgId);

    const again = await refresh(res.body.refresh_token);
    expect(again.status).toBe(200);
  });

  it('works for a client that still sends its expired or broken access token along', async () => {
    const account = await signUp();
    for (const authorization of ['Bearer expired.or.garbage', 'Basic dXNlcjpwdw==']) {
      const res = await call('POST', '/v1/auth/refresh', { body: { refresh_token: account.refreshToken }, headers: { authorization } });
      expect(res.status).toBe(200);
      account.refreshToken = res.body.refresh_token;
    }
    // A route that needs a caller still refuses the same header, with the reason.
    const me = await call('GET', '/v1/auth/me', { headers: { authorization: 'Bearer expired.or.garbage' } });
    expect(me.status).toBe(401);
    expect(me.body.error.message).toMatch(/invalid or expired/);
  });

  it('takes the refresh token from the orochi_refresh cookie, with no body at all', async () => {
    const account = await signUp();
    const res = await call('POST', '/v1/auth/refresh', { headers: { cookie: `orochi_refresh=${account.refreshToken}` } });
    expect(res.status).toBe(200);
    expect(cookieValue(res, 'orochi_refresh')).toBe(res.body.refresh_token);
    const next = await call('POST', '/v1/auth/refresh', { headers: { cookie: `orochi_refresh=${res.body.refresh_token}` } });
    expect(next.status).toBe(200);
  });

  it('prefers the body over the cookie', async () => {
    const account = await signUp();
    const res = await call('POST', '/v1/auth/refresh', {
      body: { refresh_token: account.refreshToken },
      headers: { cookie: 'orochi_refresh=rt_stale' },
    });
    expect(res.status).toBe(200);
  });

  it('on reuse of a rotated token answers 401 and revokes the whole session', async () => {
    const account = await signUp();
    const first = await refresh(account.refreshToken);
    expect(first.status).toBe(200);
    const second = await refresh(first.body.refresh_token);
    expect(second.status).toBe(200);

    // The original token was rotated away: presenting it again means it leaked.
    const reused = await refresh(account.refreshToken);
    expect(reused.status).toBe(401);
    expect(errorCode(reused)).toBe('unauthorized');
    expect(reused.body.error.message).toMatch(/already used/);

    // Even the newest token of that session is dead now, though it was never used.
    const newest = await refresh(second.body.refresh_token);
    expect(newest.status).toBe(401);
    expect(errorCode(newest)).toBe('unauthorized');
    expect(newest.body.error.message).toMatch(/revoked/);
  });

  it('leaves the other sessions of the user alone when one is revoked for reuse', async () => {
    const account = await signUp();
    const login = await call('POST', '/v1/auth/login', { body: { email: account.email, password: account.password } });
    expect(login.status).toBe(200);
    const rotated = await refresh(account.refreshToken);
    expect(rotated.status).toBe(200);
    expect((await refresh(account.refreshToken)).status).toBe(401);
    expect((await refresh(login.body.refresh_token)).status).toBe(200);
  });

  it('refuses a missing, unknown or malformed refresh token', async () => {
    const none = await call('POST', '/v1/auth/refresh');
    expect(none.status).toBe(401);
    expect(errorCode(none)).toBe('unauthorized');

    const empty = await call('POST', '/v1/auth/refresh', { body: {} });
    expect(empty.status).toBe(401);
    expect(errorCode(empty)).toBe('unauthorized');

    const unknown = await refresh('rt_not-a-real-token');
    expect(unknown.status).toBe(401);
    expect(errorCode(unknown)).toBe('unauthorized');

    const wrongType = await call('POST', '/v1/auth/refresh', { body: { refresh_token: 42 } });
    expect(wrongType.status).toBe(400);
    expect(errorCode(wrongType)).toBe('validation_failed');

    const extra = await call('POST', '/v1/auth/refresh', { body: { refresh_token: 'rt_x', user_id: 'usr_x' } });
    expect(extra.status).toBe(400);
    expect(errorCode(extra)).toBe('validation_failed');
  });
});
