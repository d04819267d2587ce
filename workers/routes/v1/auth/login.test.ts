import { describe, expect, it } from 'vitest';
import { call, errorCode, signUp, uniqueEmail, uniqueIp } from '../../../test/harness.ts';
import { cookieValue, setCookieLine } from '../../../test/auth-flows.ts';

const WRONG = 'not the password';

function expectRetryAfter(res: { headers: Headers }) {
  const seconds = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(seconds)).toBe(true);
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(15 * 60);
}

describe('POST /v1/auth/login', () => {
  it('signs in: tokens in the body and in HttpOnly Secure cookies', async () => {
    const account = await signUp({ name: 'Grace' });
    const res = await call('POST', '/v1/auth/login', { body: { email: account.email, password: account.password } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, user: { id: account.userId, email: account.email, name: 'Grace' } });
    expect(res.body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(res.body.refresh_token).toMatch(/^rt_/);

    const access = setCookieLine(res, 'orochi_access')!;
    expect(access).toMatch(/HttpOnly/);
    expect(access).toMatch(/Secure/);
    expect(access).toMatch(/Path=\/(;|$)/);
    expect(access).toMatch(/SameSite=Lax/);
    const refresh = setCookieLine(res, 'orochi_refresh')!;
    expect(refresh).toMatch(/HttpOnly/);
    expect(refresh).toMatch(/Secure/);
    expect(refresh).toMatch(/Path=\/v1\/auth/);
    expect(refresh).toMatch(/SameSite=Strict/);
    expect(cookieValue(res, 'orochi_access')).toBe(res.body.access_token);
    expect(cookieValue(res, 'orochi_refresh')).toBe(res.body.refresh_token);

    const me = await call('GET', '/v1/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.current_org_id).toBe(account.orgId);
  });

  it('matches the email case-insensitively', async () => {
    const account = await signUp();
    const res = await call('POST', '/v1/auth/login', { body: { email: account.email.toUpperCase(), password: account.password } });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(account.userId);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const account = await signUp();
    const wrong = await call('POST', '/v1/auth/login', { body: { email: account.email, password: WRONG } });
    const unknown = await call('POST', '/v1/auth/login', { body: { email: uniqueEmail('nobody'), password: WRONG } });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(errorCode(res)).toBe('unauthorized');
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it('answers malformed bodies with 400', async () => {
    const missing = await call('POST', '/v1/auth/login', { body: { email: uniqueEmail() } });
    expect(missing.status).toBe(400);
    expect(errorCode(missing)).toBe('validation_failed');
    expect(missing.body.error.details).toEqual([expect.objectContaining({ path: 'password' })]);

    const notEmail = await call('POST', '/v1/auth/login', { body: { email: 'nope', password: 'x' } });
    expect(notEmail.status).toBe(400);
    expect(errorCode(notEmail)).toBe('validation_failed');

    const notJson = await call('POST', '/v1/auth/login', { rawBody: 'email=a', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(errorCode(notJson)).toBe('bad_request');

    const form = await call('POST', '/v1/auth/login', { rawBody: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    expect(errorCode(form)).toBe('unsupported_media_type');
  });

  it('is not locked out by a stale access cookie', async () => {
    const account = await signUp();
    const res = await call('POST', '/v1/auth/login', {
      body: { email: account.email, password: account.password },
      headers: { cookie: 'orochi_access=not.a.jwt' },
    });
    expect(res.status).toBe(200);
  });
});

describe('login rate limits', () => {
  it('locks an account after 5 failures from any addresses, even for the right password', async () => {
    const account = await signUp();
    for (let i = 0; i < 5; i++) {
      const res = await call('POST', '/v1/auth/login', { body: { email: account.email, password: WRONG }, ip: uniqueIp() });
      expect(res.status).toBe(401);
    }
    const locked = await call('POST', '/v1/auth/login', { body: { email: account.email, password: account.password }, ip: uniqueIp() });
    expect(locked.status).toBe(429);
    expect(errorCode(locked)).toBe('rate_limited');
    expectRetryAfter(locked);
    expect(locked.headers.getSetCookie()).toEqual([]);
  });

  it('locks a client address after 5 failures against different accounts', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 5; i++) {
      const res = await call('POST', '/v1/auth/login', { body: { email: uniqueEmail('guess'), password: WRONG }, ip });
      expect(res.status).toBe(401);
    }
    const account = await signUp();
    const locked = await call('POST', '/v1/auth/login', { body: { email: account.email, password: account.password }, ip });
    expect(locked.status).toBe(429);
    expect(errorCode(locked)).toBe('rate_limited');
    expectRetryAfter(locked);

    // The same account from another address is not affected.
    const elsewhere = await call('POST', '/v1/auth/login', { body: { email: account.email, password: account.password } });
    expect(elsewhere.status).toBe(200);
  });

  it('resets the account counter on a successful login', async () => {
    const account = await signUp();
    const fail = () => call('POST', '/v1/auth/login', { body: { email: account.email, password: WRONG }, ip: uniqueIp() });
    for (let i = 0; i < 4; i++) expect((await fail()).status).toBe(401);
    const ok = await call('POST', '/v1/auth/login', { body: { email: account.email, password: account.password } });
    expect(ok.status).toBe(200);
    // Without the reset, the 6th of these 8 failures would already be refused.
    for (let i = 0; i < 5; i++) expect((await fail()).status).toBe(401);
    expect((await fail()).status).toBe(429);
  });
});
