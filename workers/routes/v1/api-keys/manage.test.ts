// Listing, reading, revoking and rotating keys, and what each does to the secrets in use.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../../../drizzle/schema.ts';
import { call, errorCode, joinOrg, signUp, withCatalog, type Account } from '../../../test/harness.ts';

async function makeKey(owner: Account, body: object = { role: 'viewer' }) {
  const res = await call('POST', '/v1/api-keys', { token: owner.token, body: { name: 'k', ...body } });
  expect(res.status).toBe(201);
  return { id: res.body.api_key.id as string, secret: res.body.secret as string };
}

const read = (secret: string) => call('GET', '/v1/projects', { token: secret });

describe('GET /v1/api-keys', () => {
  it("lists the org's keys newest first, by pages, to those who manage keys", async () => {
    const ada = await signUp();
    const keys = [await makeKey(ada), await makeKey(ada), await makeKey(ada)];
    const first = await call('GET', `/v1/api-keys?org_id=${ada.orgId}&limit=2`, { token: ada.token });
    expect(first.status).toBe(200);
    expect(first.body.data.map((k: { id: string }) => k.id)).toEqual([keys[2]!.id, keys[1]!.id]);
    const second = await call('GET', `/v1/api-keys?limit=2&cursor=${first.body.next_cursor}`, { token: ada.token });
    expect([second.body.data.map((k: { id: string }) => k.id), second.body.next_cursor]).toEqual([[keys[0]!.id], null]);
    const viewer = await joinOrg(ada, ada.orgId, 'viewer');
    const refused = await call('GET', `/v1/api-keys?org_id=${ada.orgId}`, { token: viewer.token });
    expect([refused.status, errorCode(refused)]).toEqual([403, 'forbidden']);
  });

  it("answers 404 for another org's keys, listed or by id", async () => {
    const ada = await signUp();
    const eve = await signUp();
    const key = await makeKey(ada);
    expect((await call('GET', `/v1/api-keys?org_id=${ada.orgId}`, { token: eve.token })).status).toBe(404);
    const res = await call('GET', `/v1/api-keys/${key.id}`, { token: eve.token });
    expect([res.status, res.body.error.message]).toEqual([404, 'API key not found']);
    expect((await call('DELETE', `/v1/api-keys/${key.id}`, { token: eve.token })).status).toBe(404);
    expect((await call('POST', `/v1/api-keys/${key.id}/rotate`, { token: eve.token })).status).toBe(404);
    expect((await read(key.secret)).status).toBe(200);
  });
});

describe('DELETE /v1/api-keys/{id}', () => {
  it('revokes the key at once; it stays listed as revoked, and revoking again changes nothing', async () => {
    const ada = await signUp();
    const key = await makeKey(ada);
    expect((await read(key.secret)).status).toBe(200);
    const res = await call('DELETE', `/v1/api-keys/${key.id}`, { token: ada.token });
    expect(res.status).toBe(200);
    expect(res.body.api_key).toMatchObject({ id: key.id, status: 'revoked' });
    const refused = await read(key.secret);
    expect([refused.status, errorCode(refused), refused.body.error.message]).toEqual([401, 'unauthorized', 'The API key has been revoked']);
    const again = await call('DELETE', `/v1/api-keys/${key.id}`, { token: ada.token });
    expect(again.body.api_key.revoked_at).toBe(res.body.api_key.revoked_at);
    const entries = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.targetId, key.id)));
    expect(entries.map((e) => e.action).sort()).toEqual(['api_key.created', 'api_key.revoked']);
  });

  it('also ends a rotated-out secret still in its grace period', async () => {
    const ada = await signUp();
    const key = await makeKey(ada);
    const rotated = await call('POST', `/v1/api-keys/${key.id}/rotate`, { token: ada.token, body: { grace_seconds: 3600 } });
    await call('DELETE', `/v1/api-keys/${key.id}`, { token: ada.token });
    expect((await read(key.secret)).status).toBe(401);
    expect((await read(rotated.body.secret)).status).toBe(401);
  });
});

describe('POST /v1/api-keys/{id}/rotate', () => {
  it('issues a new secret; the old one keeps working through the grace period (24 h by default)', async () => {
    const ada = await signUp();
    const key = await makeKey(ada);
    const before = Date.now();
    const res = await call('POST', `/v1/api-keys/${key.id}/rotate`, { token: ada.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.secret).not.toBe(key.secret);
    expect(res.body.secret.slice(0, 13)).toBe(key.secret.slice(0, 13));
    const graceEnd = Date.parse(res.body.api_key.previous_secret_expires_at);
    expect(graceEnd - before).toBeGreaterThanOrEqual(86_400_000 - 1000);
    expect(graceEnd - before).toBeLessThanOrEqual(86_400_000 + 5000);
    expect((await read(key.secret)).status).toBe(200);
    expect((await read(res.body.secret)).status).toBe(200);
    // A second rotation ends the first secret at once: only the one before the newest is in grace.
    const again = await call('POST', `/v1/api-keys/${key.id}/rotate`, { token: ada.token, body: { grace_seconds: 60 } });
    expect((await read(key.secret)).body.error.message).toBe('The API key is unknown');
    expect((await read(res.body.secret)).status).toBe(200);
    expect((await read(again.body.secret)).status).toBe(200);
    const entries = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.targetId, key.id)).orderBy(auditLog.id));
    expect(entries.map((e) => [e.action, e.metadata])).toEqual([
      ['api_key.created', expect.anything()],
      ['api_key.rotated', { grace_seconds: 86_400 }],
      ['api_key.rotated', { grace_seconds: 60 }],
    ]);
  });

  it('with grace_seconds 0 ends the old secret at once', async () => {
    const ada = await signUp();
    const key = await makeKey(ada);
    const res = await call('POST', `/v1/api-keys/${key.id}/rotate`, { token: ada.token, body: { grace_seconds: 0 } });
    expect(res.body.api_key.previous_secret_expires_at).toBeNull();
    expect((await read(key.secret)).status).toBe(401);
    expect((await read(res.body.secret)).status).toBe(200);
  });

  it('refuses a revoked key (409) and a grace period over 7 days (400)', async () => {
    const ada = await signUp();
    const key = await makeKey(ada);
    const long = await call('POST', `/v1/api-keys/${key.id}/rotate`, { token: ada.token, body: { grace_seconds: 7 * 86_400 + 1 } });
    expect([long.status, errorCode(long)]).toEqual([400, 'validation_failed']);
    await call('DELETE', `/v1/api-keys/${key.id}`, { token: ada.token });
    const res = await call('POST', `/v1/api-keys/${key.id}/rotate`, { token: ada.token });
    expect([res.status, errorCode(res), res.body.error.message]).toEqual([409, 'conflict', 'The API key is revoked and cannot be rotated']);
  });
});
