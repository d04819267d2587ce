import { describe, expect, it } from 'vitest';
import { authTokens } from '../../../../drizzle/schema.ts';
import { sha256Hex } from '../../../../core/crypto.ts';
import { newId } from '../../../../protocol/ids.ts';
import { call, errorCode, signUp, uniqueEmail, uniqueIp, withCatalog } from '../../../test/harness.ts';
import { latestLinkToken, mailbox, setCookieLine } from '../../../test/auth-flows.ts';

const NEW_PASSWORD = 'a brand new passphrase';

const forgot = (email: string) => call('POST', '/v1/auth/forgot-password', { body: { email } });
const reset = (token: string, password = NEW_PASSWORD) => call('POST', '/v1/auth/reset-password', { body: { token, password } });
const login = (email: string, password: string) => call('POST', '/v1/auth/login', { body: { email, password } });
const refresh = (refresh_token: string) => call('POST', '/v1/auth/refresh', { body: { refresh_token } });

async function requestResetToken(email: string): Promise<string> {
  const res = await forgot(email);
  expect(res.status).toBe(202);
  return latestLinkToken(email, '/reset-password');
}

describe('POST /v1/auth/forgot-password and /v1/auth/reset-password', () => {
  it('mails a single-use link that sets a new password and signs out every session', async () => {
    const account = await signUp();
    const otherSession = await login(account.email, account.password);
    expect(otherSession.status).toBe(200);

    const res = await forgot(account.email.toUpperCase());
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    const [mail] = await mailbox(account.email);
    expect(mail).toMatchObject({ to: account.email, subject: 'Reset your Orochi Cloud password' });
    expect(mail!.text).toMatch(/http:\/\/localhost:8787\/reset-password\?token=[\w-]{20,}/);
    const token = await latestLinkToken(account.email, '/reset-password');

    const done = await reset(token);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ ok: true });
    expect(setCookieLine(done, 'orochi_refresh')).toMatch(/Max-Age=0/);

    const old = await login(account.email, account.password);
    expect(old.status).toBe(401);
    const fresh = await login(account.email, NEW_PASSWORD);
    expect(fresh.status).toBe(200);

    for (const stale of [account.refreshToken, otherSession.body.refresh_token]) {
      const res = await refresh(stale);
      expect(res.status).toBe(401);
      expect(errorCode(res)).toBe('unauthorized');
    }
    expect((await refresh(fresh.body.refresh_token)).status).toBe(200);

    const second = await reset(token, 'yet another passphrase');
    expect(second.status).toBe(400);
    expect(errorCode(second)).toBe('bad_request');
    expect(second.body.error.message).toMatch(/invalid, expired or already used/);
    expect((await login(account.email, NEW_PASSWORD)).status).toBe(200);
  });

  it('answers 202 for an unknown address and sends nothing', async () => {
    const email = uniqueEmail('ghost');
    const res = await forgot(email);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    expect(await mailbox(email)).toEqual([]);
  });

  it('spends older reset links once one of them is used', async () => {
    const account = await signUp();
    const older = await requestResetToken(account.email);
    const newer = await requestResetToken(account.email);
    expect(newer).not.toBe(older);
    expect((await reset(newer)).status).toBe(200);
    const stale = await reset(older, 'some other passphrase');
    expect(stale.status).toBe(400);
    expect(errorCode(stale)).toBe('bad_request');
  });

  it('refuses an expired link', async () => {
    const account = await signUp();
    const token = 'expired-reset-token-for-the-test';
    const tokenHash = await sha256Hex(token);
    // No client can make a link expire early: plant one that already has.
    await withCatalog((db) =>
      db.insert(authTokens).values({ id: newId('tok'), userId: account.userId, purpose: 'reset_password', tokenHash, expiresAt: new Date(Date.now() - 1000) }),
    );
    const res = await reset(token);
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('bad_request');
    expect((await login(account.email, account.password)).status).toBe(200);
  });

  it('refuses unknown tokens, tokens for another purpose and weak passwords', async () => {
    const account = await signUp();
    const unknown = await reset('not-a-token-we-issued');
    expect(unknown.status).toBe(400);
    expect(errorCode(unknown)).toBe('bad_request');

    // The email verification link is a token of the right shape, but not for this.
    const verifyToken = await latestLinkToken(account.email, '/verify-email');
    const wrongPurpose = await reset(verifyToken);
    expect(wrongPurpose.status).toBe(400);
    expect(errorCode(wrongPurpose)).toBe('bad_request');

    const token = await requestResetToken(account.email);
    const weak = await reset(token, 'short');
    expect(weak.status).toBe(400);
    expect(errorCode(weak)).toBe('validation_failed');
    expect(weak.body.error.details).toEqual([expect.objectContaining({ path: 'password' })]);
    // A refused password does not spend the link.
    expect((await reset(token)).status).toBe(200);

    const missing = await call('POST', '/v1/auth/reset-password', { body: { password: NEW_PASSWORD } });
    expect(missing.status).toBe(400);
    expect(errorCode(missing)).toBe('validation_failed');
    const badEmail = await call('POST', '/v1/auth/forgot-password', { body: { email: 'nope' } });
    expect(badEmail.status).toBe(400);
    expect(errorCode(badEmail)).toBe('validation_failed');
  });

  it('lifts a login lockout once the password is reset', async () => {
    const account = await signUp();
    for (let i = 0; i < 5; i++) expect((await call('POST', '/v1/auth/login', { body: { email: account.email, password: 'wrong guess' }, ip: uniqueIp() })).status).toBe(401);
    expect((await login(account.email, account.password)).status).toBe(429);
    expect((await reset(await requestResetToken(account.email))).status).toBe(200);
    expect((await login(account.email, NEW_PASSWORD)).status).toBe(200);
  });

  it('limits requests per address to 5 in 15 minutes, whether or not the account exists', async () => {
    const account = await signUp();
    for (const email of [account.email, uniqueEmail('ghost')]) {
      for (let i = 0; i < 5; i++) expect((await forgot(email)).status).toBe(202);
      const limited = await forgot(email);
      expect(limited.status).toBe(429);
      expect(errorCode(limited)).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await mailbox(account.email)).filter((m) => m.text.includes('/reset-password'))).toHaveLength(5);
  });

  it('limits one client address to 20 reset requests in 15 minutes, across accounts', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 20; i++) {
      const res = await call('POST', '/v1/auth/forgot-password', { body: { email: uniqueEmail('spray') }, ip });
      expect(res.status).toBe(202);
    }
    const limited = await call('POST', '/v1/auth/forgot-password', { body: { email: uniqueEmail('spray') }, ip });
    expect(limited.status).toBe(429);
    expect(errorCode(limited)).toBe('rate_limited');
    // Another client is unaffected.
    expect((await call('POST', '/v1/auth/forgot-password', { body: { email: uniqueEmail('spray') } })).status).toBe(202);
  });
});
