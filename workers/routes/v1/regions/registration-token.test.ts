import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, regions } from '../../../../drizzle/schema.ts';
import { newId } from '../../../../protocol/ids.ts';
import { createRegion } from '../../../test/agents.ts';
import { call, errorCode, joinOrg, signUp, withCatalog } from '../../../test/harness.ts';

const renew = (id: string, token: string) => call('POST', `/v1/regions/${id}/registration-token`, { token });
const register = (registrationToken: string) => call('POST', '/v1/agent/register', { body: { registration_token: registrationToken } });

describe('POST /v1/regions/{id}/registration-token', () => {
  it('issues a new single-use token that replaces the previous one, and audits it', async () => {
    const ada = await signUp();
    const region = await createRegion(ada, { driver: 'kubernetes', provider: 'aws' });
    const res = await renew(region.id, ada.token);
    expect(res.status).toBe(201);
    const token: string = res.body.registration_token;
    expect(token).toMatch(/^ort_/);
    expect(token).not.toBe(region.registrationToken);
    expect(res.body.region.id).toBe(region.id);
    expect(res.body.install.manifest_url).toBe(`http://localhost/v1/regions/${region.id}/install.yaml?token=${token}`);

    const old = await register(region.registrationToken);
    expect([old.status, errorCode(old)]).toEqual([401, 'unauthorized']);
    const fresh = await register(token);
    expect([fresh.status, fresh.body.region_id]).toEqual([200, region.id]);

    // Also after the agent registered: reinstalling needs a new token.
    const third = await renew(region.id, ada.token);
    expect((await register(third.body.registration_token)).status).toBe(200);

    const audited = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.targetId, region.id)));
    expect(audited.filter((a) => a.action === 'region.registration_token_created')).toHaveLength(2);
    expect(JSON.stringify(audited)).not.toContain(token);
  });

  it('lets admins issue tokens', async () => {
    const ada = await signUp();
    const region = await createRegion(ada);
    const admin = await joinOrg(ada, ada.orgId, 'admin');
    expect((await renew(region.id, admin.token)).status).toBe(201);
  });

  it("answers 404 for another organization's region and a deleted one, 403 for a shared one", async () => {
    const ada = await signUp();
    const eve = await signUp();
    const region = await createRegion(ada);
    const res = await renew(region.id, eve.token);
    expect([res.status, errorCode(res)]).toEqual([404, 'not_found']);
    // Route-specific: the refused attempt replaced no token (the table checks only the 404); Ada's still works.
    expect((await register(region.registrationToken)).status).toBe(200);

    const shared = newId('rg');
    await withCatalog((db) => db.insert(regions).values({ id: shared, name: 'shared', provider: 'local', driver: 'local', visibility: 'shared' }));
    const refused = await renew(shared, ada.token);
    expect([refused.status, errorCode(refused)]).toEqual([403, 'forbidden']);

    const doomed = await createRegion(ada);
    expect((await call('DELETE', `/v1/regions/${doomed.id}`, { token: ada.token })).status).toBe(204);
    const gone = await renew(doomed.id, ada.token);
    expect([gone.status, errorCode(gone)]).toEqual([404, 'not_found']);
  });
});
