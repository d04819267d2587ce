import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../../index.ts';
import type { Bindings } from '../../../env.ts';
import { call, errorCode, signUp, type ApiResponse } from '../../../test/harness.ts';
import { mailbox } from '../../../test/auth-flows.ts';

const bindings = env as unknown as Bindings;

/** Calls the Worker as deployed to production: same bindings, ENVIRONMENT=production. */
async function callProduction(path: string): Promise<ApiResponse> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://localhost${path}`), { ...bindings, ENVIRONMENT: 'production' }, ctx);
  const body = await res.json();
  await waitOnExecutionContext(ctx);
  return { status: res.status, body, headers: res.headers };
}

describe('GET /v1/dev/mailbox', () => {
  it('lists the mail to one address, newest first, with the bodies readable', async () => {
    const account = await signUp();
    const other = await signUp();
    expect((await call('POST', '/v1/auth/forgot-password', { body: { email: account.email } })).status).toBe(202);

    const res = await call('GET', `/v1/dev/mailbox?to=${encodeURIComponent(account.email.toUpperCase())}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(2);
    const [reset, welcome] = res.body.data;
    expect(reset).toMatchObject({ to: account.email, subject: 'Reset your Orochi Cloud password' });
    expect(welcome).toMatchObject({ to: account.email, subject: 'Verify your Orochi Cloud email address' });
    expect(welcome.text).toMatch(/\/verify-email\?token=/);
    expect(reset.id > welcome.id).toBe(true);
    for (const mail of res.body.data) {
      expect(mail.id).toMatch(/^mail_/);
      expect(new Date(mail.created_at).toISOString()).toBe(mail.created_at);
      expect(mail.sent_at === null || typeof mail.sent_at === 'string').toBe(true);
    }
    expect((await mailbox(other.email)).map((m) => m.subject)).toEqual(['Verify your Orochi Cloud email address']);
  });

  it('needs a valid address', async () => {
    for (const path of ['/v1/dev/mailbox', '/v1/dev/mailbox?to=not-an-address']) {
      const res = await call('GET', path);
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
    }
  });

  it('does not exist in production', async () => {
    const account = await signUp();
    const unknownRoute = await callProduction('/v1/dev/nothing-here');
    for (const path of [`/v1/dev/mailbox?to=${encodeURIComponent(account.email)}`, '/v1/dev/mailbox']) {
      const res = await callProduction(path);
      expect(res.status).toBe(404);
      expect(errorCode(res)).toBe('not_found');
      expect(res.body.error.message).toBe(unknownRoute.body.error.message.replace('/v1/dev/nothing-here', '/v1/dev/mailbox'));
      expect(JSON.stringify(res.body)).not.toContain(account.email);
    }
  });

  it('is left out of the OpenAPI document, which lists the auth routes', async () => {
    const doc = await call('GET', '/v1/openapi.json');
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.body.paths);
    expect(paths).not.toContain('/v1/dev/mailbox');
    for (const path of ['refresh', 'logout', 'forgot-password', 'reset-password', 'verify-email', 'verify-email/resend']) {
      expect(paths).toContain(`/v1/auth/${path}`);
    }
    expect(Object.keys(doc.body.paths['/v1/auth/logout'].post.responses)).toContain('204');
  });
});
