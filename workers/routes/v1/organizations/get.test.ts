import { describe, expect, it } from 'vitest';
import { call, errorCode, joinOrg, signUp } from '../../../test/harness.ts';

describe('GET /v1/organizations/{org_id}', () => {
  it("returns the organization with the caller's role", async () => {
    const ada = await signUp({ org_name: 'Analytical' });
    const own = await call('GET', `/v1/organizations/${ada.orgId}`, { token: ada.token });
    expect(own.status).toBe(200);
    expect(own.body.organization).toMatchObject({ id: ada.orgId, name: 'Analytical', plan: 'free', role: 'owner' });

    const billing = await joinOrg(ada, ada.orgId, 'billing');
    const asBilling = await call('GET', `/v1/organizations/${ada.orgId}`, { token: billing.token });
    expect(asBilling.status).toBe(200);
    expect(asBilling.body.organization.role).toBe('billing');
  });

  it('answers 404 for ids that do not exist and 400 for malformed ones', async () => {
    const eve = await signUp();
    for (const id of ['org_00000000000000000000000000', 'nope']) {
      const res = await call('GET', `/v1/organizations/${id}`, { token: eve.token });
      expect([id, res.status, errorCode(res)]).toEqual([id, 404, 'not_found']);
      expect(res.body.error.message).toBe('Organization not found');
    }
    for (const id of ['x'.repeat(65), '%00', 'org%00x']) {
      const res = await call('GET', `/v1/organizations/${id}`, { token: eve.token });
      expect([id, res.status, errorCode(res)]).toEqual([id, 400, 'validation_failed']);
    }
  });
});
