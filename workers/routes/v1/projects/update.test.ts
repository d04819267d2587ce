import { describe, expect, it } from 'vitest';
import { call, errorCode, joinOrg, setPlan, signUp } from '../../../test/harness.ts';

const rename = (id: string, token: string, body: unknown) => call('PATCH', `/v1/projects/${id}`, { token, body });

describe('PATCH /v1/projects/{id}', () => {
  it('renames the project', async () => {
    const ada = await signUp();
    const before = await call('GET', `/v1/projects/${ada.projectId}`, { token: ada.token });
    const res = await rename(ada.projectId, ada.token, { name: 'production' });
    expect(res.status).toBe(200);
    expect(res.body.project).toMatchObject({ id: ada.projectId, name: 'production', created_at: before.body.project.created_at });
    expect(Date.parse(res.body.project.updated_at)).toBeGreaterThanOrEqual(Date.parse(before.body.project.updated_at));
    const after = await call('GET', `/v1/projects/${ada.projectId}`, { token: ada.token });
    expect(after.body.project.name).toBe('production');
  });

  it('lets developers rename', async () => {
    const ada = await signUp();
    const dev = await joinOrg(ada, ada.orgId, 'developer');
    expect((await rename(ada.projectId, dev.token, { name: 'by-dev' })).status).toBe(200);
  });

  it('refuses a name another project of the organization has with 409', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'pro');
    await call('POST', '/v1/projects', { token: ada.token, body: { name: 'taken' } });
    const res = await rename(ada.projectId, ada.token, { name: 'taken' });
    expect([res.status, errorCode(res)]).toEqual([409, 'conflict']);
  });

  it('answers malformed bodies with 400', async () => {
    const ada = await signUp();
    for (const body of [{}, { name: '' }, { name: 'tab\there' }, { name: 'ok', org_id: 'org_x' }, { name: ['a'] }]) {
      const res = await rename(ada.projectId, ada.token, body);
      expect([JSON.stringify(body), res.status, errorCode(res)]).toEqual([JSON.stringify(body), 400, 'validation_failed']);
    }
  });
});
