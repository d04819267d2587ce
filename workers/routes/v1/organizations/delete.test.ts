import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, clusters } from '../../../../drizzle/schema.ts';
import { call, errorCode, seedCluster, signUp, withCatalog } from '../../../test/harness.ts';

describe('DELETE /v1/organizations/{org_id}', () => {
  it('lets the owner delete the organization with its projects, and keeps an audit row', async () => {
    const ada = await signUp();
    const res = await call('DELETE', `/v1/organizations/${ada.orgId}`, { token: ada.token });
    expect(res.status).toBe(204);
    expect(res.body).toBe('');

    const gone = await call('GET', `/v1/organizations/${ada.orgId}`, { token: ada.token });
    expect([gone.status, errorCode(gone)]).toEqual([404, 'not_found']);
    const project = await call('GET', `/v1/projects/${ada.projectId}`, { token: ada.token });
    expect([project.status, errorCode(project)]).toEqual([404, 'not_found']);
    const list = await call('GET', '/v1/organizations', { token: ada.token });
    expect(list.body.data).toEqual([]);

    // The org's audit trail outlives it, ending with the deletion.
    const audited = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.orgId, ada.orgId)).orderBy(auditLog.id));
    expect(audited.map((a) => a.action)).toContain('user.registered');
    expect(audited.at(-1)).toMatchObject({ action: 'organization.deleted', targetId: ada.orgId, actorId: ada.userId });
  });

  it('answers 404 for an organization that does not exist', async () => {
    const eve = await signUp();
    const res = await call('DELETE', '/v1/organizations/org_00000000000000000000000000', { token: eve.token });
    expect([res.status, errorCode(res)]).toEqual([404, 'not_found']);
  });

  it('refuses with 409 while a cluster is not deleted, and goes through once only deleted ones remain', async () => {
    const ada = await signUp();
    await seedCluster(ada.orgId, ada.projectId, { deleted: true });
    const live = await seedCluster(ada.orgId, ada.projectId);
    const refused = await call('DELETE', `/v1/organizations/${ada.orgId}`, { token: ada.token });
    expect([refused.status, errorCode(refused)]).toEqual([409, 'conflict']);

    await withCatalog((db) => db.update(clusters).set({ deletedAt: new Date(), status: 'deleted' }).where(eq(clusters.id, live)));
    const res = await call('DELETE', `/v1/organizations/${ada.orgId}`, { token: ada.token });
    expect(res.status).toBe(204);
  });
});
