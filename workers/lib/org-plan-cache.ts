// An organization's plan for sizing its callers' rate limits, kept in the isolate for a minute: reading the catalog
// on every request would cost more than the limit itself. A plan change reaches the limits within that minute.
import { eq } from 'drizzle-orm';
import { organizations } from '../../drizzle/schema.ts';
import type { Queryable } from '../../core/db.ts';
import type { Plan } from '../../protocol/enums.ts';

export const PLAN_CACHE_MS = 60_000;
// Bounded so an isolate serving many organizations cannot grow it without end; refilling is one cheap read.
const MAX_ENTRIES = 10_000;

const cache = new Map<string, { plan: Plan; until: number }>();

/** The organization's plan, or null when there is no such organization. */
export async function cachedOrgPlan(db: Queryable, orgId: string): Promise<Plan | null> {
  const now = Date.now();
  const hit = cache.get(orgId);
  if (hit && hit.until > now) return hit.plan;
  const [org] = await db.select({ plan: organizations.plan }).from(organizations).where(eq(organizations.id, orgId)).limit(1);
  if (!org) return null;
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(orgId, { plan: org.plan, until: now + PLAN_CACHE_MS });
  return org.plan;
}
