import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, clusters, regions } from '../../../../drizzle/schema.ts';
import { newId } from '../../../../protocol/ids.ts';
import { connectAgent, createRegion, openConnect, regionStub, regionWithAgent, seedRegionCluster, testCommand } from '../../../test/agents.ts';
import { call, errorCode, joinOrg, signUp, withCatalog } from '../../../test/harness.ts';

const remove = (id: string, token: string) => call('DELETE', `/v1/regions/${id}`, { token });

describe('DELETE /v1/regions/{id}', () => {
  it('revokes the region, disconnects its agent for good, and audits it', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const agent = await connectAgent(credential);
    await regionStub(regionId).enqueue(testCommand(regionId));

    const res = await remove(regionId, ada.token);
    expect(res.status).toBe(204);
    expect(await agent.closed).toEqual({ code: 4001, reason: 'revoked' });
    expect(await regionStub(regionId).info()).toMatchObject({ connected: false, outbox: 0 });

    const refused = await openConnect(credential);
    expect(refused.status).toBe(401);
    const [row] = await withCatalog((db) => db.select().from(regions).where(eq(regions.id, regionId)));
    expect(row).toMatchObject({ status: 'offline', registrationTokenHash: null });
    expect(row!.revokedAt).toBeInstanceOf(Date);
    expect((await call('GET', `/v1/regions/${regionId}`, { token: ada.token })).status).toBe(404);
    const again = await remove(regionId, ada.token);
    expect([again.status, errorCode(again)]).toEqual([404, 'not_found']);

    const audited = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.targetId, regionId)));
    expect(audited.map((a) => a.action)).toContain('region.deleted');
  });

  it('refuses with 409 while a cluster in it is not deleted, and goes through once only deleted ones remain', async () => {
    const ada = await signUp();
    const region = await createRegion(ada);
    await seedRegionCluster(ada, region.id, { deletedAt: new Date(), status: 'deleted' });
    const live = await seedRegionCluster(ada, region.id);
    const refused = await remove(region.id, ada.token);
    expect([refused.status, errorCode(refused)]).toEqual([409, 'conflict']);
    expect(refused.body.error.details).toEqual({ clusters: 1 });
    expect((await call('GET', `/v1/regions/${region.id}`, { token: ada.token })).status).toBe(200);

    await withCatalog((db) => db.update(clusters).set({ deletedAt: new Date(), status: 'deleted' }).where(eq(clusters.id, live)));
    expect((await remove(region.id, ada.token)).status).toBe(204);
  });

  it('lets admins delete', async () => {
    const ada = await signUp();
    const region = await createRegion(ada);
    const admin = await joinOrg(ada, ada.orgId, 'admin');
    expect((await remove(region.id, admin.token)).status).toBe(204);
  });

  it('answers 403 for a shared region, which stays', async () => {
    const ada = await signUp();
    const shared = newId('rg');
    await withCatalog((db) => db.insert(regions).values({ id: shared, name: 'shared', provider: 'local', driver: 'local', visibility: 'shared' }));
    const refused = await remove(shared, ada.token);
    expect([refused.status, errorCode(refused)]).toEqual([403, 'forbidden']);
    const [row] = await withCatalog((db) => db.select().from(regions).where(eq(regions.id, shared)));
    expect(row!.revokedAt).toBeNull();
  });
});
