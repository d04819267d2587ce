// A key used on the API's real routes: what its scope and grant let through, what it refuses and how, and the
// traces it leaves (audit entries naming the key, its last use).
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiKeys, auditLog } from '../../../../drizzle/schema.ts';
import { eventually } from '../../../test/agents.ts';
import { createCluster, seedRegion } from '../../../test/clusters.ts';
import { call, errorCode, joinOrg, setPlan, signUp, withCatalog, type Account } from '../../../test/harness.ts';

async function makeKey(owner: Account, body: object) {
  const res = await call('POST', '/v1/api-keys', { token: owner.token, body: { name: 'k', org_id: owner.orgId, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.api_key.id as string, secret: res.body.secret as string, as: { ...owner, token: res.body.secret as string } };
}

const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((r) => r.id).sort();

describe('an organization key', () => {
  it('lists clusters and creates a project, and the audit log names the key', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'team');
    const regionId = await seedRegion(ada.orgId);
    const created = await createCluster(ada, regionId);
    const key = await makeKey(ada, { role: 'admin' });
    const listed = await call('GET', '/v1/clusters', { token: key.secret });
    expect([listed.status, ids(listed)]).toEqual([200, [created.body.cluster.id]]);
    const project = await call('POST', '/v1/projects', { token: key.secret, body: { name: 'from-ci' } });
    expect(project.status).toBe(201);
    const [entry] = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.targetId, project.body.project.id)));
    expect(entry).toMatchObject({ action: 'project.created', actorType: 'api_key', actorId: key.id, metadata: { name: 'from-ci', on_behalf_of: ada.userId } });
    const cluster = await createCluster(key.as, regionId);
    expect(cluster.status).toBe(202);
    const [clusterEntry] = await withCatalog((db) =>
      db.select().from(auditLog).where(and(eq(auditLog.targetId, cluster.body.cluster.id), eq(auditLog.orgId, ada.orgId))),
    );
    expect([clusterEntry?.actorType, clusterEntry?.actorId]).toEqual(['api_key', key.id]);
  });

  it("answers 404 for another organization's resources, even when its creator belongs to both", async () => {
    const ada = await signUp();
    const eve = await signUp();
    const adaInEve = await joinOrg(eve, eve.orgId, 'admin');
    const adaKey = await makeKey({ ...ada, token: adaInEve.token, orgId: eve.orgId, userId: adaInEve.userId }, { role: 'viewer' });
    // The key is of eve's org; ada (adaInEve) also owns her own org, which the key must not reach.
    expect((await call('GET', `/v1/projects/${eve.projectId}`, { token: adaKey.secret })).status).toBe(200);
    const res = await call('GET', `/v1/projects/${adaInEve.projectId}`, { token: adaKey.secret });
    expect([res.status, res.body.error.message]).toEqual([404, 'Project not found']);
    expect((await call('GET', `/v1/organizations/${adaInEve.orgId}`, { token: adaKey.secret })).status).toBe(404);
    expect((await call('GET', `/v1/clusters?org_id=${adaInEve.orgId}`, { token: adaKey.secret })).status).toBe(404);
  });

  it('holds its grant: a viewer key reads but may not write, an explicit list allows what it names only', async () => {
    const ada = await signUp();
    const regionId = await seedRegion(ada.orgId);
    const viewer = await makeKey(ada, { role: 'viewer' });
    expect((await call('GET', '/v1/clusters', { token: viewer.secret })).status).toBe(200);
    const write = await createCluster(viewer.as, regionId, { project_id: ada.projectId });
    expect([write.status, errorCode(write), write.body.error.message]).toEqual([403, 'forbidden', 'This API key may not clusters write']);
    // Acting for its creator does not make it the creator: it cannot take them out of the org as if they were leaving.
    const leave = await call('DELETE', `/v1/organizations/${ada.orgId}/members/${ada.userId}`, { token: viewer.secret });
    expect([leave.status, leave.body.error.message]).toEqual([403, 'This API key may not members manage']);
    const narrow = await makeKey(ada, { permissions: ['clusters:read', 'clusters:write'] });
    const created = await createCluster(narrow.as, regionId, { project_id: ada.projectId });
    expect(created.status).toBe(202);
    // The route holds clusters:write, then asks for the right to see the new password, which the key lacks.
    const rotate = await call('POST', `/v1/clusters/${created.body.cluster.id}/password/rotate`, { token: narrow.secret });
    expect([rotate.status, rotate.body.error?.message]).toEqual([403, 'This API key may not clusters reveal_password']);
    const backups = await call('GET', `/v1/clusters/${created.body.cluster.id}/backups`, { token: narrow.secret });
    expect([backups.status, backups.body.error?.message]).toEqual([403, 'This API key may not backups read']);
    expect((await call('GET', `/v1/projects/${ada.projectId}`, { token: narrow.secret })).status).toBe(403);
  });

  it('never holds more than its creator does now: demoted creator, narrower key', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'team');
    const admin = await joinOrg(ada, ada.orgId, 'admin');
    const key = await makeKey({ ...admin, orgId: ada.orgId }, { role: 'admin' });
    expect((await call('POST', '/v1/projects', { token: key.secret, body: { name: 'p1' } })).status).toBe(201);
    await call('PATCH', `/v1/organizations/${ada.orgId}/members/${admin.userId}`, { token: ada.token, body: { role: 'viewer' } });
    const res = await call('POST', '/v1/projects', { token: key.secret, body: { name: 'p2' } });
    expect([res.status, res.body.error.message]).toEqual([403, 'Your role (viewer) may not projects write']);
    await call('DELETE', `/v1/organizations/${ada.orgId}/members/${admin.userId}`, { token: ada.token });
    expect((await call('GET', '/v1/clusters', { token: key.secret })).status).toBe(404);
  });
});

describe('a project key', () => {
  it("sees its project's clusters only and cannot create projects", async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'team');
    const regionId = await seedRegion(ada.orgId);
    const other = await call('POST', '/v1/projects', { token: ada.token, body: { name: 'other' } });
    const mine = await createCluster(ada, regionId, { project_id: ada.projectId });
    const theirs = await createCluster(ada, regionId, { project_id: other.body.project.id });
    const key = await makeKey(ada, { role: 'developer', project_id: ada.projectId });
    expect(ids(await call('GET', '/v1/clusters', { token: key.secret }))).toEqual([mine.body.cluster.id]);
    expect(ids(await call('GET', '/v1/projects', { token: key.secret }))).toEqual([ada.projectId]);
    expect((await call('GET', `/v1/clusters/${mine.body.cluster.id}`, { token: key.secret })).status).toBe(200);
    expect((await call('GET', `/v1/clusters/${theirs.body.cluster.id}`, { token: key.secret })).status).toBe(404);
    expect((await call('GET', `/v1/projects/${other.body.project.id}`, { token: key.secret })).status).toBe(404);
    expect((await call('GET', `/v1/operations/${theirs.body.operation.id}`, { token: key.secret })).status).toBe(404);
    expect((await call('GET', `/v1/operations/${mine.body.operation.id}`, { token: key.secret })).status).toBe(200);
    const project = await call('POST', '/v1/projects', { token: key.secret, body: { name: 'nope' } });
    expect([project.status, project.body.error.message]).toEqual([403, `This API key is limited to project ${ada.projectId}`]);
    expect((await createCluster(key.as, regionId)).status).toBe(403);
    expect((await createCluster(key.as, regionId, { project_id: other.body.project.id })).status).toBe(404);
    expect((await createCluster(key.as, regionId, { project_id: ada.projectId })).status).toBe(202);
    expect((await call('GET', `/v1/organizations/${ada.orgId}`, { token: key.secret })).status).toBe(200);
    // What the org reads as a whole (its regions, to create in) it may list; org-wide lists of other things it may not.
    expect(ids(await call('GET', '/v1/regions', { token: key.secret }))).toContain(regionId);
    const operations = await call('GET', '/v1/operations', { token: key.secret });
    expect([operations.status, operations.body.error.message]).toEqual([403, `This API key is limited to project ${ada.projectId}`]);
  });
});

describe('a key', () => {
  it('records its last use (time and address) after the response, not on every request', async () => {
    const ada = await signUp();
    const key = await makeKey(ada, { role: 'viewer' });
    const before = Date.now();
    expect((await call('GET', '/v1/projects', { token: key.secret, ip: '203.0.113.9' })).status).toBe(200);
    const used = await eventually(async () => {
      const res = await call('GET', `/v1/api-keys/${key.id}`, { token: ada.token });
      expect(res.body.api_key.last_used_ip).toBe('203.0.113.9');
      return res.body.api_key;
    });
    expect(Date.parse(used.last_used_at)).toBeGreaterThanOrEqual(before - 1000);
    // Within the minute, another use from elsewhere is not written.
    await call('GET', '/v1/projects', { token: key.secret, ip: '203.0.113.10' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [row] = await withCatalog((db) => db.select().from(apiKeys).where(eq(apiKeys.id, key.id)));
    expect(row!.lastUsedIp).toBe('203.0.113.9');
  });

  it('is refused with 403 and its reason on account routes, key management and org listing', async () => {
    const ada = await signUp();
    const key = await makeKey(ada, { role: 'admin' });
    const cases: Array<[string, string, string, object?]> = [
      ['GET', '/v1/auth/me', 'API keys cannot act on a user account; sign in instead'],
      ['POST', '/v1/auth/password', 'API keys cannot act on a user account; sign in instead', { current_password: 'x', new_password: 'a new correct horse battery' }],
      ['GET', '/v1/api-keys', 'API keys cannot manage API keys; sign in instead'],
      ['POST', '/v1/api-keys', 'API keys cannot manage API keys; sign in instead', { name: 'k', role: 'viewer' }],
      ['DELETE', `/v1/api-keys/${key.id}`, 'API keys cannot manage API keys; sign in instead'],
      ['GET', '/v1/organizations', 'API keys belong to one organization and cannot list organizations'],
      ['POST', '/v1/organizations', 'API keys belong to one organization and cannot create organizations', { name: 'x' }],
    ];
    for (const [method, path, message, body] of cases) {
      const res = await call(method, path, { token: key.secret, body });
      expect([method, path, res.status, errorCode(res), res.body.error.message]).toEqual([method, path, 403, 'forbidden', message]);
    }
    expect((await call('GET', '/v1/projects', { token: key.secret })).status).toBe(200);
  });
});
