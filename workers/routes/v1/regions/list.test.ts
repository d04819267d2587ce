import { describe, expect, it } from 'vitest';
import { regions } from '../../../../drizzle/schema.ts';
import { newId } from '../../../../protocol/ids.ts';
import { createRegion } from '../../../test/agents.ts';
import { call, errorCode, joinOrg, signUp, withCatalog } from '../../../test/harness.ts';

async function sharedRegion(): Promise<string> {
  const id = newId('rg');
  await withCatalog((db) =>
    db.insert(regions).values({ id, orgId: null, name: `shared-${id.slice(-6)}`, provider: 'local', driver: 'local', visibility: 'shared' }),
  );
  return id;
}

async function allPages(token: string, query = ''): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams(query);
    params.set('limit', '100');
    if (cursor) params.set('cursor', cursor);
    const res = await call('GET', `/v1/regions?${params}`, { token });
    expect(res.status).toBe(200);
    ids.push(...res.body.data.map((r: { id: string }) => r.id));
    cursor = res.body.next_cursor;
  } while (cursor);
  return ids;
}

describe('GET /v1/regions', () => {
  it("lists the shared regions and the organization's own, never another organization's or deleted ones", async () => {
    const ada = await signUp();
    const eve = await signUp();
    const shared = await sharedRegion();
    const own = await createRegion(ada);
    const deleted = await createRegion(ada);
    expect((await call('DELETE', `/v1/regions/${deleted.id}`, { token: ada.token })).status).toBe(204);
    const theirs = await createRegion(eve);

    const ids = await allPages(ada.token);
    expect(ids).toContain(shared);
    expect(ids).toContain(own.id);
    expect(ids).not.toContain(deleted.id);
    expect(ids).not.toContain(theirs.id);
    expect(new Set(ids).size).toBe(ids.length);

    const first = await call('GET', '/v1/regions', { token: ada.token });
    expect(first.body.data[0]).toEqual(expect.objectContaining({ id: own.id, org_id: ada.orgId, visibility: 'org', status: 'pending' }));
    expect(JSON.stringify(first.body)).not.toMatch(/registration|ort_/);
  });

  it('pages newest first with limit and next_cursor', async () => {
    const ada = await signUp();
    const mine = [await createRegion(ada), await createRegion(ada), await createRegion(ada)].map((r) => r.id);
    const page1 = await call('GET', '/v1/regions?limit=2', { token: ada.token });
    expect(page1.body.data.map((r: { id: string }) => r.id)).toEqual([mine[2], mine[1]]);
    expect(page1.body.next_cursor).toEqual(expect.any(String));
    const page2 = await call('GET', `/v1/regions?limit=2&cursor=${encodeURIComponent(page1.body.next_cursor)}`, { token: ada.token });
    expect(page2.body.data[0].id).toBe(mine[0]);

    for (const query of ['cursor=bm90LWFuLWlk', 'limit=0', 'limit=101', 'org_id=%00', 'org_id=']) {
      const bad = await call('GET', `/v1/regions?${query}`, { token: ada.token });
      expect([query, bad.status, errorCode(bad)]).toEqual([query, 400, 'validation_failed']);
    }
  });

  it('lets every member list, whatever the role, for the named organization', async () => {
    const ada = await signUp();
    const own = await createRegion(ada);
    for (const role of ['admin', 'developer', 'viewer', 'billing'] as const) {
      const member = await joinOrg(ada, ada.orgId, role);
      const ids = await allPages(member.token, `org_id=${ada.orgId}`);
      expect([role, ids.includes(own.id)]).toEqual([role, true]);
    }
  });
});
