import { describe, expect, it } from 'vitest';
import { call, errorCode, signUp, uniqueEmail, uniqueIp } from '../test/harness.ts';

describe('Idempotency-Key on POST', () => {
  it('replays the first response for the same request instead of doing the work twice', async () => {
    const ip = uniqueIp();
    const body = { email: uniqueEmail(), password: 'long enough pw' };
    const headers = { 'idempotency-key': `signup-${crypto.randomUUID()}` };
    const first = await call('POST', '/v1/auth/register', { body, headers, ip });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await call('POST', '/v1/auth/register', { body, headers, ip });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    // Without the key the same body is a second sign-up, which conflicts: the replay did not re-run it.
    const withoutKey = await call('POST', '/v1/auth/register', { body, ip });
    expect(withoutKey.status).toBe(409);
  });

  it('answers 409 when the key is reused with a different body', async () => {
    const account = await signUp();
    const headers = { 'idempotency-key': `k-${crypto.randomUUID()}` };
    const first = await call('POST', '/v1/projects', { token: account.token, body: { name: 'p-one' }, headers });
    expect([201, 422]).toContain(first.status);
    const other = await call('POST', '/v1/projects', { token: account.token, body: { name: 'p-two' }, headers });
    expect(other.status).toBe(409);
    expect(errorCode(other)).toBe('conflict');
  });

  it('keeps keys per caller: the same key from two users is two requests', async () => {
    const key = `shared-${crypto.randomUUID()}`;
    const a = await call('POST', '/v1/auth/register', { body: { email: uniqueEmail(), password: 'long enough pw' }, headers: { 'idempotency-key': key } });
    const b = await call('POST', '/v1/auth/register', { body: { email: uniqueEmail(), password: 'long enough pw' }, headers: { 'idempotency-key': key } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.user.id).not.toBe(a.body.user.id);
  });

  it('replays client errors too, and rejects a malformed key with 400', async () => {
    const ip = uniqueIp();
    const headers = { 'idempotency-key': `bad-${crypto.randomUUID()}` };
    const first = await call('POST', '/v1/auth/register', { body: { email: 'nope' }, headers, ip });
    expect(first.status).toBe(400);
    const again = await call('POST', '/v1/auth/register', { body: { email: 'nope' }, headers, ip });
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const badKey = await call('POST', '/v1/auth/register', { body: { email: 'nope' }, headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect(badKey.status).toBe(400);
    expect(errorCode(badKey)).toBe('validation_failed');
  });
});
