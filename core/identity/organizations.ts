// Creating an organization always creates its owner membership and a default project with it.
import { eq } from 'drizzle-orm';
import { memberships, organizations, projects } from '../../drizzle/schema.ts';
import type { Plan } from '../../protocol/enums.ts';
import type { Queryable } from '../db.ts';
import { notFound } from '../errors.ts';
import { newId } from '../../protocol/ids.ts';
import { slugFrom } from './slugs.ts';

/** Starts the organization on `plan`, which callers take from the platform's DEFAULT_PLAN setting. */
export async function createOrganization(db: Queryable, input: { name: string; slug?: string; ownerId: string; plan: Plan }) {
  const [org] = await db
    .insert(organizations)
    .values({ id: newId('org'), name: input.name, slug: input.slug ?? slugFrom(input.name), plan: input.plan })
    .returning();
  const [membership] = await db.insert(memberships).values({ orgId: org!.id, userId: input.ownerId, role: 'owner' }).returning();
  const [project] = await db.insert(projects).values({ id: newId('prj'), orgId: org!.id, name: 'default' }).returning();
  return { org: org!, membership: membership!, project: project! };
}

/** True when a Postgres error is a unique violation on the named constraint/index. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  const pgError = e?.code ? e : e?.cause;
  return pgError?.code === '23505' && pgError.constraint === constraint;
}

/**
 * Locks the org's row until the transaction ends and returns it as locked, so checks that read the org's
 * state (owner count, project quota) cannot race with a concurrent request making the same check.
 * `update` also holds off rows being inserted that reference the org (a cluster created mid-delete).
 */
export async function lockOrganization(db: Queryable, orgId: string, strength: 'no key update' | 'update' = 'no key update') {
  const [org] = await db.select().from(organizations).where(eq(organizations.id, orgId)).for(strength);
  if (!org) throw notFound('Organization');
  return org;
}
