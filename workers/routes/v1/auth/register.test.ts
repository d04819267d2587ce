import { describe, expect, it } from 'vitest';
import { clusters, projects } from '../../../../drizzle/schema.ts';
import { newId } from '../../../../protocol/ids.ts';
import { createCluster, seedRegion } from '../../../test/clusters.ts';
import { call, errorCode, signUp, uniqueEmail, withCatalog } from '../../../test/harness.ts';

describe('POST /v1/auth/register', () => {
  it('creates the user, an organization they own and a default project, and signs them in', async () => {
    const email = uniqueEmail();
    const res = await call('POST', '/v1/auth/register', { body: { email, password: 'long enough pw', name: 'Ada', org_name: 'Analytical' } });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email, name: 'Ada', email_verified: false, mfa_enabled: false });
    expect(res.body.user.id).toMatch(/^usr_/);
    expect(res.body.organization).toMatchObject({ name: 'Analytical', plan: 'free', role: 'owner' });
    expect(res.body.project).toMatchObject({ name: 'default', org_id: res.body.organization.id });
    expect(res.body.token_type).toBe('Bearer');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const cookies = res.headers.getSetCookie().join('\n');
    expect(cookies).toMatch(/orochi_access=.*HttpOnly.*Secure.*SameSite=Lax/);

    const me = await call('GET', '/v1/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(email);
    expect(me.body.organizations).toEqual([expect.objectContaining({ id: res.body.organization.id, role: 'owner' })]);
  });

  it('starts the organization on the DEFAULT_PLAN setting, whose quotas then hold (team: 50 clusters, 20 projects)', async () => {
    const ada = await signUp({}, { bindings: { DEFAULT_PLAN: 'team' } });
    const org = await call('GET', `/v1/organizations/${ada.orgId}`, { token: ada.token });
    expect(org.body.organization.plan).toBe('team');

    // What someone trying the local stack does first: ten databases and three more projects, no SQL.
    const region = await seedRegion();
    for (let i = 0; i < 10; i++) expect((await createCluster(ada, region)).status).toBe(202);
    for (const name of ['staging', 'analytics', 'scratch']) {
      expect((await call('POST', '/v1/projects', { token: ada.token, body: { name } })).status).toBe(201);
    }

    // Filled up to the team plan's limits, one more of each is refused.
    await withCatalog(async (db) => {
      await db.insert(clusters).values(
        Array.from({ length: 40 }, (_, i) => ({
          id: newId('cl'),
          orgId: ada.orgId,
          projectId: ada.projectId,
          regionId: region,
          name: `seeded-${i}`,
          engine: 'postgres' as const,
          version: '17',
          tier: 'dedicated' as const,
          size: 'dev' as const,
          instances: 1,
          storageGb: 10,
          status: 'running' as const,
        })),
      );
      await db.insert(projects).values(Array.from({ length: 16 }, (_, i) => ({ id: newId('prj'), orgId: ada.orgId, name: `seeded-${i}` })));
    });
    const cluster51 = await createCluster(ada, region);
    expect([cluster51.status, errorCode(cluster51)]).toEqual([422, 'quota_exceeded']);
    expect(cluster51.body.error.message).toMatch(/team plan allows 50 clusters/);
    const project21 = await call('POST', '/v1/projects', { token: ada.token, body: { name: 'one-too-many' } });
    expect([project21.status, errorCode(project21)]).toEqual([422, 'quota_exceeded']);
    expect(project21.body.error.message).toMatch(/team plan allows 20 projects/);
  });

  it('refuses a second account with the same email, in any case', async () => {
    const account = await signUp();
    const res = await call('POST', '/v1/auth/register', { body: { email: account.email.toUpperCase(), password: 'another password' } });
    expect(res.status).toBe(409);
    expect(errorCode(res)).toBe('conflict');
  });

  it('answers malformed bodies with 400 and the field issues', async () => {
    const res = await call('POST', '/v1/auth/register', { body: { email: 'not-an-email', password: 'short' } });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'password']);

    const notJson = await call('POST', '/v1/auth/register', { rawBody: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    errorCode(notJson);

    const extra = await call('POST', '/v1/auth/register', { body: { email: uniqueEmail(), password: 'long enough pw', admin: true } });
    expect(extra.status).toBe(400);
    expect(errorCode(extra)).toBe('validation_failed');
  });
});
