import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { regions } from '../../../../drizzle/schema.ts';
import { newId } from '../../../../protocol/ids.ts';
import { createRegion } from '../../../test/agents.ts';
import { call, errorCode, joinOrg, signUp, withCatalog } from '../../../test/harness.ts';

describe('GET /v1/regions/{id}', () => {
  it('returns a region of the caller\'s organization to any member', async () => {
    const ada = await signUp();
    const region = await createRegion(ada, { name: 'home', provider: 'onprem', driver: 'kubernetes' });
    const res = await call('GET', `/v1/regions/${region.id}`, { token: ada.token });
    expect(res.status).toBe(200);
    expect(res.body.region).toMatchObject({ id: region.id, name: 'home', provider: 'onprem', driver: 'kubernetes', visibility: 'org', status: 'pending' });
    expect(JSON.stringify(res.body)).not.toContain(region.registrationToken);
    for (const role of ['viewer', 'billing'] as const) {
      const member = await joinOrg(ada, ada.orgId, role);
      expect((await call('GET', `/v1/regions/${region.id}`, { token: member.token })).status).toBe(200);
    }
  });

  it('returns a shared region to anyone signed in', async () => {
    const id = newId('rg');
    await withCatalog((db) => db.insert(regions).values({ id, name: 'local', provider: 'local', driver: 'local', visibility: 'shared' }));
    const eve = await signUp();
    const res = await call('GET', `/v1/regions/${id}`, { token: eve.token });
    expect([res.status, res.body.region?.visibility, res.body.region?.org_id]).toEqual([200, 'shared', null]);
  });

  it('answers 404 for a deleted region and unknown ids; 400 for malformed ids', async () => {
    const ada = await signUp();
    const revoked = await createRegion(ada);
    await withCatalog((db) => db.update(regions).set({ revokedAt: new Date() }).where(eq(regions.id, revoked.id)));
    for (const id of [revoked.id, 'rg_00000000000000000000000000']) {
      const res = await call('GET', `/v1/regions/${id}`, { token: ada.token });
      expect([id, res.status, errorCode(res), res.body.error.message]).toEqual([id, 404, 'not_found', 'Region not found']);
    }
    for (const id of ['r'.repeat(65), '%00']) {
      const res = await call('GET', `/v1/regions/${id}`, { token: ada.token });
      expect([id, res.status, errorCode(res)]).toEqual([id, 400, 'validation_failed']);
    }
  });
});
