// Loading a cluster the caller may see: another org's cluster is 404, like a missing one.
import { and, eq, isNull } from 'drizzle-orm';
import { clusters, memberships } from '../../drizzle/schema.ts';
import type { Role } from '../../protocol/enums.ts';
import type { Queryable } from '../db.ts';
import { notFound } from '../errors.ts';
import { requireKeyScope, requirePermission, type Permission } from '../identity/rbac.ts';
import type { Principal } from '../request.ts';
import type { ClusterRow } from './serialize.ts';

/**
 * A cluster (not deleted) with the caller's role in its org, in one round trip; another org's cluster is 404
 * like a missing one. `lock` takes the row for update inside a transaction.
 */
export async function requireClusterAccess(
  db: Queryable,
  principal: Principal,
  clusterId: string,
  permission: Permission,
  options: { lock?: boolean; includeDeleted?: boolean } = {},
): Promise<{ cluster: ClusterRow; role: Role }> {
  let q = db
    .select({ cluster: clusters, role: memberships.role })
    .from(clusters)
    .innerJoin(memberships, and(eq(memberships.orgId, clusters.orgId), eq(memberships.userId, principal.userId)))
    .where(and(eq(clusters.id, clusterId), options.includeDeleted ? undefined : isNull(clusters.deletedAt)))
    .limit(1)
    .$dynamic();
  if (options.lock) q = q.for('update', { of: clusters });
  const [row] = await q;
  if (!row) throw notFound('Cluster');
  requireKeyScope('Cluster', row.cluster.orgId, row.cluster.projectId);
  requirePermission(row.role, permission);
  return row;
}
