import { describe, expect, it } from 'vitest';
import { call, errorCode, joinOrg, signUp } from '../../../test/harness.ts';

describe('PATCH /v1/organizations/{org_id}', () => {
  it('lets owners and admins rename the organization and change its slug', async () => {
    const ada = await signUp();
    const slug = `renamed-${Date.now().toString(36)}`;
    const res = await call('PATCH', `/v1/organizations/${ada.orgId}`, { token: ada.token, body: { name: 'Renamed', slug } });
    expect(res.status).toBe(200);
    expect(res.body.organization).toMatchObject({ id: ada.orgId, name: 'Renamed', slug, role: 'owner' });

    const admin = await joinOrg(ada, ada.orgId, 'admin');
    const byAdmin = await call('PATCH', `/v1/organizations/${ada.orgId}`, { token: admin.token, body: { name: 'By admin' } });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.organization).toMatchObject({ name: 'By admin', slug, role: 'admin' });
  });

  it('refuses a slug another organization has with 409', async () => {
    const ada = await signUp();
    const bob = await signUp();
    const bobs = await call('GET', `/v1/organizations/${bob.orgId}`, { token: bob.token });
    const res = await call('PATCH', `/v1/organizations/${ada.orgId}`, { token: ada.token, body: { slug: bobs.body.organization.slug } });
    expect([res.status, errorCode(res)]).toEqual([409, 'conflict']);
  });

  it('answers malformed bodies with 400', async () => {
    const ada = await signUp();
    for (const body of [{}, { name: '' }, { slug: 'NOT OK' }, { plan: 'enterprise' }, { name: 'ok', id: 'org_x' }]) {
      const res = await call('PATCH', `/v1/organizations/${ada.orgId}`, { token: ada.token, body });
      expect([JSON.stringify(body), res.status, errorCode(res)]).toEqual([JSON.stringify(body), 400, 'validation_failed']);
    }
  });
});
