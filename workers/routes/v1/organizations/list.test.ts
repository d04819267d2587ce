import { describe, expect, it } from 'vitest';
import { call, errorCode, joinOrg, signUp } from '../../../test/harness.ts';

describe('GET /v1/organizations', () => {
  it("lists the caller's organizations with their role in each, and nobody else's", async () => {
    const ada = await signUp();
    const bob = await signUp();
    const viewer = await joinOrg(bob, bob.orgId, 'viewer');
    const res = await call('GET', '/v1/organizations', { token: viewer.token });
    expect(res.status).toBe(200);
    expect(res.body.next_cursor).toBeNull();
    const newestFirst = [
      { id: bob.orgId, role: 'viewer' },
      { id: viewer.orgId, role: 'owner' },
    ].sort((a, b) => (a.id < b.id ? 1 : -1));
    expect(res.body.data).toEqual(newestFirst.map((o) => expect.objectContaining({ ...o, plan: 'free' })));

    const own = await call('GET', '/v1/organizations', { token: ada.token });
    expect(own.body.data.map((o: { id: string }) => o.id)).toEqual([ada.orgId]);
  });

  it('pages newest first with limit and next_cursor, without duplicates or gaps', async () => {
    const ada = await signUp();
    const created = [ada.orgId];
    for (let i = 0; i < 4; i++) {
      const res = await call('POST', '/v1/organizations', { token: ada.token, body: { name: `Org ${i}` } });
      expect(res.status).toBe(201);
      created.push(res.body.organization.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const res = await call('GET', `/v1/organizations${query}`, { token: ada.token });
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((o: { id: string }) => o.id));
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].sort().reverse());
  });

  it('refuses bad list parameters with 400', async () => {
    const ada = await signUp();
    for (const query of ['?cursor=not-a-cursor', '?cursor=', '?limit=0', '?limit=101', '?limit=ten']) {
      const res = await call('GET', `/v1/organizations${query}`, { token: ada.token });
      if (query === '?cursor=') {
        // An empty cursor is the same as none.
        expect(res.status).toBe(200);
        continue;
      }
      expect([query, res.status, errorCode(res)]).toEqual([query, 400, 'validation_failed']);
    }
  });
});
