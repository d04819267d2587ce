import { describe, expect, it } from 'vitest';
import { call, errorCode, signUp, uniqueEmail } from '../../../test/harness.ts';

describe('POST /v1/auth/register', () => {
  it('creates the user, an organization they own and a default project, and signs them in', async () => {
    const email = uniqueEmail();
    const res = await call('POST', '/v1/auth/register', { body: { email, password: 'long enough pw', name: 'Ada', org_name: 'Analytical' } });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email, name: 'Ada', email_verified: false, mfa_enabled: false });
    expect(res.body.user.id).toMatch(/^usr_/);
    expect(res.body.organization).toMatchObject({ name: 'Analytical', plan: 'free', role: 'owner' });
    expect(res.body.project).toMatchObject({ name: 'default', org_id: res.body.organization.id });
    expect(res.body.token_type).toBe('Bearer');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const cookies = res.headers.getSetCookie().join('\n');
    expect(cookies).toMatch(/orochi_access=.*HttpOnly.*Secure.*SameSite=Lax/);

    const me = await call('GET', '/v1/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(email);
    expect(me.body.organizations).toEqual([expect.objectContaining({ id: res.body.organization.id, role: 'owner' })]);
  });

  it('refuses a second account with the same email, in any case', async () => {
    const account = await signUp();
    const res = await call('POST', '/v1/auth/register', { body: { email: account.email.toUpperCase(), password: 'another password' } });
    expect(res.status).toBe(409);
    expect(errorCode(res)).toBe('conflict');
  });

  it('answers malformed bodies with 400 and the field issues', async () => {
    const res = await call('POST', '/v1/auth/register', { body: { email: 'not-an-email', password: 'short' } });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'password']);

    const notJson = await call('POST', '/v1/auth/register', { rawBody: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    errorCode(notJson);

    const extra = await call('POST', '/v1/auth/register', { body: { email: uniqueEmail(), password: 'long enough pw', admin: true } });
    expect(extra.status).toBe(400);
    expect(errorCode(extra)).toBe('validation_failed');
  });
});
