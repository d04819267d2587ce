// The regions an organization can place databases in (shared ones and its own), by name: for the regions page,
// the database list's filter, region names on the dashboard and the create form's choices. GET /v1/regions pages by
// 100; an org has a handful, so read them all.
import { api, unwrap } from './api.ts';

const MAX_PAGES = 10;

export async function loadRegions(orgId: string) {
  const first = await unwrap(api.v1.regions.$get({ query: { org_id: orgId, limit: '100' } }));
  const regions = [...first.data];
  let cursor = first.next_cursor;
  for (let pages = 1; cursor && pages < MAX_PAGES; pages++) {
    const next = await unwrap(api.v1.regions.$get({ query: { org_id: orgId, limit: '100', cursor } }));
    regions.push(...next.data);
    cursor = next.next_cursor;
  }
  return regions.sort((a, b) => a.name.localeCompare(b.name));
}

export type RegionRow = Awaited<ReturnType<typeof loadRegions>>[number];
