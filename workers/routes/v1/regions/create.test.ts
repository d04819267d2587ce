import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, regions } from '../../../../drizzle/schema.ts';
import { sha256Hex } from '../../../../core/crypto.ts';
import { call, errorCode, joinOrg, signUp, withCatalog } from '../../../test/harness.ts';

const create = (token: string, body: unknown) => call('POST', '/v1/regions', { token, body });

describe('POST /v1/regions', () => {
  it('creates a pending org region with a one-time token stored only as a hash, and audits it', async () => {
    const ada = await signUp();
    const before = Date.now();
    const res = await create(ada.token, { name: 'us-east-1', provider: 'aws', driver: 'local' });
    expect(res.status).toBe(201);
    expect(res.body.region).toEqual({
      id: expect.stringMatching(/^rg_[0-9a-z]{26}$/),
      org_id: ada.orgId,
      name: 'us-east-1',
      provider: 'aws',
      driver: 'local',
      visibility: 'org',
      status: 'pending',
      agent_version: null,
      last_seen_at: null,
      created_at: expect.any(String),
    });
    const token: string = res.body.registration_token;
    expect(token).toMatch(/^ort_[A-Za-z0-9_-]{43}$/);
    expect(res.body.install).toEqual({ command: `npm run agent -- --url http://localhost --token ${token}`, manifest_url: null });

    const [row] = await withCatalog((db) => db.select().from(regions).where(eq(regions.id, res.body.region.id)));
    expect(row!.registrationTokenHash).toBe(await sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);
    const expiresIn = row!.registrationExpiresAt!.getTime() - before;
    expect(expiresIn).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(expiresIn).toBeLessThan(24 * 3600_000 + 60_000);
    expect(res.body.registration_expires_at).toBe(row!.registrationExpiresAt!.toISOString());

    const audited = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.targetId, res.body.region.id)));
    expect(audited).toEqual([
      expect.objectContaining({ action: 'region.created', orgId: ada.orgId, actorType: 'user', actorId: ada.userId }),
    ]);
    expect(JSON.stringify(audited)).not.toContain(token);
  });

  it('gives a kubernetes region a kubectl install command with its manifest URL', async () => {
    const ada = await signUp();
    const res = await create(ada.token, { name: 'eu-west-1', provider: 'gcp', driver: 'kubernetes' });
    expect(res.status).toBe(201);
    const url = `http://localhost/v1/regions/${res.body.region.id}/install.yaml?token=${res.body.registration_token}`;
    expect(res.body.install).toEqual({ command: `kubectl apply -f "${url}"`, manifest_url: url });
  });

  it('creates in the named organization', async () => {
    const ada = await signUp();
    const second = await call('POST', '/v1/organizations', { token: ada.token, body: { name: 'Second' } });
    const orgId = second.body.organization.id;
    const res = await create(ada.token, { name: 'onprem-1', provider: 'onprem', driver: 'kubernetes', org_id: orgId });
    expect(res.status).toBe(201);
    expect(res.body.region.org_id).toBe(orgId);
  });

  it('refuses a name the organization already uses with 409, but another organization may use it', async () => {
    const ada = await signUp();
    const bob = await signUp();
    expect((await create(ada.token, { name: 'dup', provider: 'aws', driver: 'local' })).status).toBe(201);
    const again = await create(ada.token, { name: 'dup', provider: 'gcp', driver: 'kubernetes' });
    expect([again.status, errorCode(again)]).toEqual([409, 'conflict']);
    expect((await create(bob.token, { name: 'dup', provider: 'aws', driver: 'local' })).status).toBe(201);
  });

  it('lets admins create regions', async () => {
    const ada = await signUp();
    const admin = await joinOrg(ada, ada.orgId, 'admin');
    expect((await create(admin.token, { name: 'by-admin', provider: 'aws', driver: 'local', org_id: ada.orgId })).status).toBe(201);
  });

  it('answers malformed bodies with 400', async () => {
    const ada = await signUp();
    const ok = { name: 'ok', provider: 'aws', driver: 'local' };
    const bodies: unknown[] = [
      {},
      { ...ok, name: '' },
      { ...ok, name: 'US-East-1' },
      { ...ok, name: 'us_east_1' },
      { ...ok, name: '-east' },
      { ...ok, name: 'east-' },
      { ...ok, name: 'a'.repeat(64) },
      { ...ok, name: 'nul\u0000' },
      { ...ok, name: 7 },
      { name: 'ok', driver: 'local' },
      { ...ok, provider: '' },
      { ...ok, provider: 'Amazon Web Services' },
      { ...ok, driver: 'docker' },
      { name: 'ok', provider: 'aws' },
      { ...ok, visibility: 'shared' },
      { ...ok, org_id: 'org\u0000' },
    ];
    for (const body of bodies) {
      const res = await create(ada.token, body);
      expect([JSON.stringify(body), res.status, errorCode(res)]).toEqual([JSON.stringify(body), 400, 'validation_failed']);
    }
    expect((await create(ada.token, { ...ok, name: 'a'.repeat(63) })).status).toBe(201);
  });
});
