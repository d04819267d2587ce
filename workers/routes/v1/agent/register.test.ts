import { and, eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { auditLog, regions } from '../../../../drizzle/schema.ts';
import { regionKey } from '../../../../core/regions/region-keys.ts';
import { bindings, createRegion } from '../../../test/agents.ts';
import { call, errorCode, signUp, uniqueIp, withCatalog } from '../../../test/harness.ts';

const register = (body: unknown, ip?: string) => call('POST', '/v1/agent/register', { body, ...(ip ? { ip } : {}) });

describe('POST /v1/agent/register', () => {
  it("exchanges the registration token for a region-scoped credential and the region's key", async () => {
    const ada = await signUp();
    const region = await createRegion(ada);
    const before = Math.floor(Date.now() / 1000);
    const res = await register({ registration_token: region.registrationToken, agent_version: '1.2.3' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      region_id: region.id,
      credential: expect.any(String),
      expires_at: expect.any(String),
      region_key: await regionKey(bindings.ENCRYPTION_KEY, region.id),
    });
    const claims = decodeJwt(res.body.credential);
    expect(claims).toMatchObject({ aud: 'orochi-agent', sub: region.id, iss: 'orochi-cloud' });
    expect(claims.exp! - before).toBeGreaterThanOrEqual(3599);
    expect(claims.exp! - before).toBeLessThanOrEqual(3601);
    expect(new Date(res.body.expires_at).getTime()).toBe(claims.exp! * 1000);

    const [row] = await withCatalog((db) => db.select().from(regions).where(eq(regions.id, region.id)));
    expect(row).toMatchObject({ registrationTokenHash: null, registrationExpiresAt: null, agentVersion: '1.2.3' });
    const audited = await withCatalog((db) =>
      db.select().from(auditLog).where(and(eq(auditLog.targetId, region.id), eq(auditLog.action, 'region.agent_registered'))),
    );
    expect(audited).toEqual([expect.objectContaining({ actorType: 'agent', actorId: region.id, orgId: ada.orgId })]);
    expect(JSON.stringify(audited)).not.toContain(res.body.credential);
  });

  it('spends the token: a second registration with it is 401, even when two race', async () => {
    const ada = await signUp();
    const region = await createRegion(ada);
    const first = await register({ registration_token: region.registrationToken });
    expect(first.status).toBe(200);
    const second = await register({ registration_token: region.registrationToken });
    expect([second.status, errorCode(second)]).toEqual([401, 'unauthorized']);

    const racing = await createRegion(ada);
    const results = await Promise.all([1, 2, 3].map(() => register({ registration_token: racing.registrationToken })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
  });

  it('refuses an expired token, a token of a deleted region and an unknown token with 401', async () => {
    const ada = await signUp();
    const expired = await createRegion(ada);
    await withCatalog((db) => db.update(regions).set({ registrationExpiresAt: new Date(Date.now() - 1000) }).where(eq(regions.id, expired.id)));
    const revoked = await createRegion(ada);
    await withCatalog((db) => db.update(regions).set({ revokedAt: new Date() }).where(eq(regions.id, revoked.id)));
    for (const token of [expired.registrationToken, revoked.registrationToken, `ort_${'x'.repeat(43)}`]) {
      const res = await register({ registration_token: token });
      expect([res.status, errorCode(res)]).toEqual([401, 'unauthorized']);
    }
    // The refusals did not spend anything: the expired row still holds its hash.
    const [row] = await withCatalog((db) => db.select().from(regions).where(eq(regions.id, expired.id)));
    expect(row!.registrationTokenHash).not.toBeNull();
  });

  it('answers malformed bodies with 400', async () => {
    for (const body of [{}, { registration_token: 'short' }, { registration_token: 'x'.repeat(201) }, { registration_token: 7 }, { registration_token: `ort_${'x'.repeat(43)}`, agent_version: 'has space' }, { registration_token: `ort_${'x'.repeat(43)}`, region_id: 'rg_x' }]) {
      const res = await register(body);
      expect([JSON.stringify(body), res.status, errorCode(res)]).toEqual([JSON.stringify(body), 400, 'validation_failed']);
    }
  });

  it('limits attempts per client address to 20 in 15 minutes', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 20; i++) {
      expect((await register({ registration_token: `ort_${'y'.repeat(43)}` }, ip)).status).toBe(401);
    }
    const limited = await register({ registration_token: `ort_${'y'.repeat(43)}` }, ip);
    expect([limited.status, errorCode(limited)]).toEqual([429, 'rate_limited']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is unaffected.
    expect((await register({ registration_token: `ort_${'y'.repeat(43)}` })).status).toBe(401);
  });
});
