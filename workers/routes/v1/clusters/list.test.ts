import { describe, expect, it } from 'vitest';
import { call, setPlan, signUp } from '../../../test/harness.ts';
import { createCluster, report, seedRegion } from '../../../test/clusters.ts';

describe('GET /v1/clusters', () => {
  it('filters by status, region, project and search, and pages newest first', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'enterprise');
    const regionA = await seedRegion();
    const regionB = await seedRegion(ada.orgId);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await createCluster(ada, i < 3 ? regionA : regionB, { name: `app-${i}-db` });
      ids.push(res.body.cluster.id);
    }
    await report(regionA, ids[0]!, { phase: 'running' });
    await createCluster(ada, regionA, { name: 'under_score-x'.replace('_', '-') });

    const running = await call('GET', '/v1/clusters?status=running', { token: ada.token });
    expect(running.body.data.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
    const inB = await call('GET', `/v1/clusters?region_id=${regionB}`, { token: ada.token });
    expect(inB.body.data.map((c: { id: string }) => c.id)).toEqual([ids[4], ids[3]]);
    const search = await call('GET', '/v1/clusters?search=-2-', { token: ada.token });
    expect(search.body.data.map((c: { name: string }) => c.name)).toEqual(['app-2-db']);
    // LIKE wildcards in a search are literal characters.
    expect((await call('GET', '/v1/clusters?search=%25', { token: ada.token })).body.data).toEqual([]);
    expect((await call('GET', `/v1/clusters?project_id=${ada.projectId}`, { token: ada.token })).body.data).toHaveLength(6);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { data: { id: string }[]; next_cursor: string | null } } = await call('GET', `/v1/clusters?limit=4${cursor ? `&cursor=${cursor}` : ''}`, { token: ada.token });
      seen.push(...res.body.data.map((c) => c.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect([...seen].sort().reverse()).toEqual(seen);
    expect((await call('GET', '/v1/clusters?status=exploded', { token: ada.token })).status).toBe(400);
    expect((await call('GET', '/v1/clusters?cursor=bogus', { token: ada.token })).status).toBe(400);
  });

  it('lists operations of the org and of one cluster', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const { body } = await createCluster(ada, region);
    await report(region, body.cluster.id, { phase: 'running' });
    await call('POST', `/v1/clusters/${body.cluster.id}/sleep`, { token: ada.token });
    const ops = await call('GET', `/v1/operations?cluster_id=${body.cluster.id}`, { token: ada.token });
    expect(ops.body.data.map((o: { action: string }) => o.action)).toEqual(['sleep', 'create']);
    const all = await call('GET', '/v1/operations', { token: ada.token });
    expect(all.body.data).toHaveLength(2);
    const health = await call('GET', `/v1/clusters/${body.cluster.id}/health`, { token: ada.token });
    expect(health.body).toMatchObject({ status: 'updating', generation: 2, observed_generation: 1, in_sync: false, region_status: 'online' });
  });
});
