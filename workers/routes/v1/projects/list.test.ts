import { describe, expect, it } from 'vitest';
import { call, errorCode, joinOrg, setPlan, signUp } from '../../../test/harness.ts';

describe('GET /v1/projects', () => {
  it("lists the session's organization's projects by default, or the named one's", async () => {
    const ada = await signUp();
    const res = await call('GET', '/v1/projects', { token: ada.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [{ id: ada.projectId, org_id: ada.orgId, name: 'default', created_at: expect.any(String), updated_at: expect.any(String) }],
      next_cursor: null,
    });

    const other = await call('POST', '/v1/organizations', { token: ada.token, body: { name: 'Second' } });
    const named = await call('GET', `/v1/projects?org_id=${other.body.organization.id}`, { token: ada.token });
    expect(named.body.data).toEqual([expect.objectContaining({ org_id: other.body.organization.id, name: 'default' })]);
  });

  it('pages newest first with limit and next_cursor, without duplicates or gaps', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'pro');
    const ids = [ada.projectId];
    for (let i = 0; i < 4; i++) {
      const res = await call('POST', '/v1/projects', { token: ada.token, body: { name: `p${i}` } });
      expect(res.status).toBe(201);
      ids.push(res.body.project.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `limit=2&cursor=${encodeURIComponent(cursor)}` : 'limit=2';
      const res = await call('GET', `/v1/projects?${query}`, { token: ada.token });
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((p: { id: string }) => p.id));
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].sort().reverse());

    for (const query of ['cursor=bm90LWFuLWlk', 'limit=0', 'limit=1000', `org_id=${'x'.repeat(65)}`, 'org_id=%00', 'org_id=']) {
      const bad = await call('GET', `/v1/projects?${query}`, { token: ada.token });
      expect([query, bad.status, errorCode(bad)]).toEqual([query, 400, 'validation_failed']);
    }
  });

  it('lets admins, developers and viewers read projects', async () => {
    const ada = await signUp();
    for (const role of ['admin', 'developer', 'viewer'] as const) {
      const member = await joinOrg(ada, ada.orgId, role);
      const res = await call('GET', `/v1/projects?org_id=${ada.orgId}`, { token: member.token });
      expect([role, res.status, res.body.data?.length]).toEqual([role, 200, 1]);
    }
  });
});
