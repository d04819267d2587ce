// Rules every change of membership obeys, whichever route makes it.
import { and, eq, ne } from 'drizzle-orm';
import { memberships, users } from '../../drizzle/schema.ts';
import type { Queryable } from '../db.ts';
import { ApiError, notFound } from '../errors.ts';

/**
 * 409 unless someone other than `userId` is still an owner: an organization nobody owns could never be
 * deleted or billed. Call with the org locked (lockOrganization) so two owners cannot step down at once.
 */
export async function requireAnotherOwner(db: Queryable, orgId: string, userId: string): Promise<void> {
  const others = await db.$count(
    memberships,
    and(eq(memberships.orgId, orgId), eq(memberships.role, 'owner'), ne(memberships.userId, userId)),
  );
  if (others === 0) {
    throw new ApiError('conflict', 'An organization must keep at least one owner; make another member an owner first');
  }
}

/** A member of the org with the public part of their user record, or 404. */
export async function findMember(db: Queryable, orgId: string, userId: string) {
  const [row] = await db
    .select({ membership: memberships, user: { id: users.id, email: users.email, name: users.name } })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .limit(1);
  if (!row) throw notFound('Member');
  return row;
}
