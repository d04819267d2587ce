import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, clusters } from '../../../../drizzle/schema.ts';
import { call, errorCode, joinOrg, seedCluster, signUp, withCatalog } from '../../../test/harness.ts';

const remove = (id: string, token: string) => call('DELETE', `/v1/projects/${id}`, { token });

describe('DELETE /v1/projects/{id}', () => {
  it('deletes the project and audits it', async () => {
    const ada = await signUp();
    const res = await remove(ada.projectId, ada.token);
    expect(res.status).toBe(204);
    const gone = await call('GET', `/v1/projects/${ada.projectId}`, { token: ada.token });
    expect([gone.status, errorCode(gone)]).toEqual([404, 'not_found']);
    const again = await remove(ada.projectId, ada.token);
    expect([again.status, errorCode(again)]).toEqual([404, 'not_found']);
    const audited = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.targetId, ada.projectId)));
    expect(audited.map((a) => a.action)).toContain('project.deleted');
  });

  it('lets admins delete projects', async () => {
    const ada = await signUp();
    const admin = await joinOrg(ada, ada.orgId, 'admin');
    expect((await remove(ada.projectId, admin.token)).status).toBe(204);
  });

  it('refuses with 409 while a cluster is not deleted, and goes through once only deleted ones remain', async () => {
    const ada = await signUp();
    await seedCluster(ada.orgId, ada.projectId, { deleted: true });
    const live = await seedCluster(ada.orgId, ada.projectId);
    const refused = await remove(ada.projectId, ada.token);
    expect([refused.status, errorCode(refused)]).toEqual([409, 'conflict']);

    await withCatalog((db) => db.update(clusters).set({ deletedAt: new Date(), status: 'deleted' }).where(eq(clusters.id, live)));
    expect((await remove(ada.projectId, ada.token)).status).toBe(204);
    const left = await withCatalog((db) => db.select().from(clusters).where(eq(clusters.projectId, ada.projectId)));
    expect(left).toEqual([]);
  });
});
