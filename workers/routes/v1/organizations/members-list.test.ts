import { describe, expect, it } from 'vitest';
import { call, errorCode, joinOrg, signUp } from '../../../test/harness.ts';

describe('GET /v1/organizations/{org_id}/members', () => {
  it('lists every member with their role, to every role', async () => {
    const ada = await signUp({ name: 'Ada' });
    const dev = await joinOrg(ada, ada.orgId, 'developer');
    const billing = await joinOrg(ada, ada.orgId, 'billing');
    const expected = [
      { user: { id: ada.userId, email: ada.email, name: 'Ada' }, org_id: ada.orgId, role: 'owner' },
      { user: { id: dev.userId, email: dev.email, name: null }, org_id: ada.orgId, role: 'developer' },
      { user: { id: billing.userId, email: billing.email, name: null }, org_id: ada.orgId, role: 'billing' },
    ].sort((a, b) => (a.user.id < b.user.id ? 1 : -1));
    for (const member of [ada, dev, billing]) {
      const res = await call('GET', `/v1/organizations/${ada.orgId}/members`, { token: member.token });
      expect(res.status).toBe(200);
      expect(res.body.next_cursor).toBeNull();
      expect(res.body.data).toEqual(expected.map((m) => ({ ...m, joined_at: expect.any(String) })));
    }
  });

  it('pages with limit and next_cursor without duplicates or gaps', async () => {
    const ada = await signUp();
    const members = [ada.userId];
    for (const role of ['viewer', 'viewer', 'developer'] as const) members.push((await joinOrg(ada, ada.orgId, role)).userId);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=1&cursor=${encodeURIComponent(cursor)}` : '?limit=1';
      const res = await call('GET', `/v1/organizations/${ada.orgId}/members${query}`, { token: ada.token });
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((m: { user: { id: string } }) => m.user.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...members].sort().reverse());

    const bad = await call('GET', `/v1/organizations/${ada.orgId}/members?cursor=%%%`, { token: ada.token });
    expect([bad.status, errorCode(bad)]).toEqual([400, 'validation_failed']);
  });
});
