import { describe, expect, it } from 'vitest';
import { call, errorCode, joinOrg, seedCluster, signUp } from '../../../test/harness.ts';

describe('GET /v1/organizations/{org_id}/summary', () => {
  it("counts the organization's live clusters by status and adds up storage and running compute", async () => {
    const ada = await signUp();
    const empty = await call('GET', `/v1/organizations/${ada.orgId}/summary`, { token: ada.token });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ total: 0, storage_gb: 0, running_vcpu: 0, running_memory_gb: 0, created_last_7_days: 0 });
    expect(empty.body.by_status).toEqual({ provisioning: 0, running: 0, updating: 0, sleeping: 0, waking: 0, deleting: 0, failed: 0 });

    await seedCluster(ada.orgId, ada.projectId);
    await seedCluster(ada.orgId, ada.projectId);
    await seedCluster(ada.orgId, ada.projectId, { deleted: true });
    // Seeded clusters are running dev-size (0.25 vCPU, 1 GB) single instances with 10 GB each.
    const viewer = await joinOrg(ada, ada.orgId, 'viewer');
    const res = await call('GET', `/v1/organizations/${ada.orgId}/summary`, { token: viewer.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 2, storage_gb: 20, running_vcpu: 0.5, running_memory_gb: 2, created_last_7_days: 2 });
    expect(res.body.by_status.running).toBe(2);
  });

  it('answers 400 for a malformed id', async () => {
    const eve = await signUp();
    const bad = await call('GET', '/v1/organizations/%00/summary', { token: eve.token });
    expect([bad.status, errorCode(bad)]).toEqual([400, 'validation_failed']);
  });
});
