import { describe, expect, it } from 'vitest';
import { call, errorCode, signUp } from '../../../test/harness.ts';
import { latestLinkToken, linkToken, mailbox } from '../../../test/auth-flows.ts';

const verify = (token: string) => call('POST', '/v1/auth/verify-email', { body: { token } });
const resend = (token: string) => call('POST', '/v1/auth/verify-email/resend', { token });

describe('POST /v1/auth/verify-email', () => {
  it('verifies the address with the token from the registration mail, once', async () => {
    const account = await signUp();
    const [mail] = await mailbox(account.email);
    expect(mail).toMatchObject({ to: account.email, subject: 'Verify your Orochi Cloud email address' });
    const token = await latestLinkToken(account.email, '/verify-email');

    // No session needed: the link may be opened in another browser.
    const res = await verify(token);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: account.userId, email: account.email, email_verified: true });

    const me = await call('GET', '/v1/auth/me', { token: account.token });
    expect(me.body.user.email_verified).toBe(true);

    const reused = await verify(token);
    expect(reused.status).toBe(400);
    expect(errorCode(reused)).toBe('bad_request');
  });

  it('refuses unknown tokens, reset tokens and malformed bodies', async () => {
    const account = await signUp();
    const unknown = await verify('not-a-token-we-issued');
    expect(unknown.status).toBe(400);
    expect(errorCode(unknown)).toBe('bad_request');

    expect((await call('POST', '/v1/auth/forgot-password', { body: { email: account.email } })).status).toBe(202);
    const resetToken = await latestLinkToken(account.email, '/reset-password');
    const wrongPurpose = await verify(resetToken);
    expect(wrongPurpose.status).toBe(400);
    expect(errorCode(wrongPurpose)).toBe('bad_request');
    expect((await call('GET', '/v1/auth/me', { token: account.token })).body.user.email_verified).toBe(false);

    const short = await verify('abc');
    expect(short.status).toBe(400);
    expect(errorCode(short)).toBe('validation_failed');
  });
});

describe('POST /v1/auth/verify-email/resend', () => {
  it('mails a new link that verifies the address; then there is nothing left to resend', async () => {
    const account = await signUp();
    const res = await resend(account.token);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    const [newest, registration, ...rest] = await mailbox(account.email);
    expect(rest).toEqual([]);
    const token = linkToken(newest!, '/verify-email');
    expect(token).not.toBe(linkToken(registration!, '/verify-email'));

    expect((await verify(token)).status).toBe(200);
    const after = await resend(account.token);
    expect(after.status).toBe(409);
    expect(errorCode(after)).toBe('conflict');
  });

  it('sends at most 5 mails per account in 15 minutes', async () => {
    const account = await signUp();
    for (let i = 0; i < 5; i++) expect((await resend(account.token)).status).toBe(202);
    const limited = await resend(account.token);
    expect(limited.status).toBe(429);
    expect(errorCode(limited)).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
