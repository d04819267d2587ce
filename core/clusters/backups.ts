// Loading a backup the caller may see, with its cluster: another org's backup is 404, like a missing one, and a
// deleted backup is gone.
import { and, eq, ne } from 'drizzle-orm';
import { backups, clusters, memberships } from '../../drizzle/schema.ts';
import type { Queryable } from '../db.ts';
import { notFound } from '../errors.ts';
import { requireKeyScope, requirePermission, type Permission } from '../identity/rbac.ts';
import type { Principal } from '../request.ts';

export async function requireBackupAccess(db: Queryable, principal: Principal, backupId: string, permission: Permission, options: { lock?: boolean } = {}) {
  let q = db
    .select({ backup: backups, cluster: clusters, role: memberships.role })
    .from(backups)
    .innerJoin(clusters, eq(clusters.id, backups.clusterId))
    .innerJoin(memberships, and(eq(memberships.orgId, backups.orgId), eq(memberships.userId, principal.userId)))
    .where(and(eq(backups.id, backupId), ne(backups.status, 'deleted')))
    .limit(1)
    .$dynamic();
  if (options.lock) q = q.for('update', { of: [backups, clusters] });
  const [row] = await q;
  if (!row) throw notFound('Backup');
  requireKeyScope('Backup', row.backup.orgId, row.cluster.projectId);
  requirePermission(row.role, permission);
  return row;
}
