// The skeleton every list of an organization's resources shares: the caller's membership and the page come back
// in one round trip (the membership row left-joined to the page), a non-member gets 404 and a role without the
// permission 403, and the page is read newest first after the cursor.
import { and, desc, eq, or, type InferSelectModel, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { memberships } from '../drizzle/schema.ts';
import type { Queryable } from './db.ts';
import { currentKeyGrant } from './identity/key-grant.ts';
import { requireKeyScope, requirePermission, type Permission } from './identity/rbac.ts';
import { ApiError, notFound } from './errors.ts';
import { afterCursor } from './pagination.ts';
import type { Role } from '../protocol/enums.ts';
import type { Principal } from './request.ts';

export interface OrgPageQuery<T extends PgTable> {
  table: T;
  /** The table's org and id columns: the page is the org's rows, newest id first. */
  orgColumn: AnyPgColumn;
  /** Rows of no org the org sees all the same (shared regions, say). */
  alsoVisible?: SQL;
  idColumn: AnyPgColumn;
  /**
   * The column naming a row's project: a project's API key lists only its project's rows, and of lists without one
   * only those anyone in the org may read (org:read, like the regions), as `requireOrgAccess` allows it.
   */
  projectColumn?: AnyPgColumn;
  orgId: string;
  permission: Permission;
  /** The list's own filters. */
  where?: SQL;
  cursor?: string;
  limit: number;
}

/** `limit + 1` rows of the org's page (hand them to `page()`), or 404/403 for a caller who may not read them. */
export async function orgPage<T extends PgTable>(db: Queryable, principal: Principal, q: OrgPageQuery<T>): Promise<InferSelectModel<T>[]> {
  // drizzle cannot type a join over a table it only knows as generic; the row type is restated once, here.
  const table: PgTable = q.table;
  requireKeyScope('Organization', q.orgId, null);
  const keyProject = currentKeyGrant()?.projectId;
  if (keyProject && !q.projectColumn && q.permission !== 'org:read') throw new ApiError('forbidden', `This API key is limited to project ${keyProject}`);
  const rows = (await db
    .select({ role: memberships.role, item: table })
    .from(memberships)
    .leftJoin(
      table,
      and(
        or(eq(q.orgColumn, memberships.orgId), q.alsoVisible),
        q.where,
        keyProject && q.projectColumn ? eq(q.projectColumn, keyProject) : undefined,
        afterCursor(q.idColumn, q.cursor),
      ),
    )
    .where(and(eq(memberships.orgId, q.orgId), eq(memberships.userId, principal.userId)))
    .orderBy(desc(q.idColumn))
    .limit(q.limit + 1)) as Array<{ role: Role | null; item: InferSelectModel<T> | null }>;
  const role = rows[0]?.role;
  if (!role) throw notFound('Organization');
  requirePermission(role, q.permission);
  return rows.flatMap((r) => (r.item ? [r.item] : []));
}
