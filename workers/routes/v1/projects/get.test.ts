import { describe, expect, it } from 'vitest';
import { call, errorCode, joinOrg, signUp } from '../../../test/harness.ts';

describe('GET /v1/projects/{id}', () => {
  it('returns a project of an organization the caller reads projects in', async () => {
    const ada = await signUp();
    const res = await call('GET', `/v1/projects/${ada.projectId}`, { token: ada.token });
    expect(res.status).toBe(200);
    expect(res.body.project).toMatchObject({ id: ada.projectId, org_id: ada.orgId, name: 'default' });
    const viewer = await joinOrg(ada, ada.orgId, 'viewer');
    expect((await call('GET', `/v1/projects/${ada.projectId}`, { token: viewer.token })).status).toBe(200);
  });

  it("answers 404 'Project not found' for unknown ids and 400 for malformed ones", async () => {
    const eve = await signUp();
    for (const id of ['prj_00000000000000000000000000', 'whatever']) {
      const res = await call('GET', `/v1/projects/${id}`, { token: eve.token });
      expect([id, res.status, errorCode(res), res.body.error.message]).toEqual([id, 404, 'not_found', 'Project not found']);
    }
    for (const id of ['p'.repeat(65), '%00', 'prj%00x']) {
      const res = await call('GET', `/v1/projects/${id}`, { token: eve.token });
      expect([id, res.status, errorCode(res)]).toEqual([id, 400, 'validation_failed']);
    }
  });
});
