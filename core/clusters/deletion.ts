// An organization or project can go only once its clusters have. Live clusters block the deletion; the rows
// of deleted ones (kept as history, with their operations and events) go with it, since clusters.project_id
// is ON DELETE RESTRICT and would otherwise refuse.
import { and, eq, isNotNull, isNull, type SQL } from 'drizzle-orm';
import { clusters } from '../../drizzle/schema.ts';
import type { Queryable } from '../db.ts';
import { ApiError } from '../errors.ts';

export type ClusterScope = { orgId: string } | { projectId: string };

function inScope(scope: ClusterScope): SQL {
  return 'orgId' in scope ? eq(clusters.orgId, scope.orgId) : eq(clusters.projectId, scope.projectId);
}

/** 409 while any cluster in scope is not deleted; otherwise removes the deleted ones' rows. */
export async function clearClustersForDeletion(db: Queryable, scope: ClusterScope, what: string): Promise<void> {
  const live = await db.$count(clusters, and(inScope(scope), isNull(clusters.deletedAt)));
  if (live > 0) {
    throw new ApiError('conflict', `Delete the ${live} cluster${live === 1 ? '' : 's'} in this ${what} first`, { details: { clusters: live } });
  }
  await db.delete(clusters).where(and(inScope(scope), isNotNull(clusters.deletedAt)));
}
