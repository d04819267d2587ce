import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { backups, clusters } from '../../../../drizzle/schema.ts';
import { db, meta } from '../../../context.ts';
import { audit } from '../../../../core/audit.ts';
import { requireBackupAccess } from '../../../../core/clusters/backups.ts';
import { serializeBackup } from '../../../../core/clusters/serialize.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { backupParamsSchema } from '../../../schemas/backups.ts';
import { backupSchema } from '../../../../protocol/resources.ts';
import { defineRoute } from '../../define-route.ts';

/** How many deleted backups a cluster's command lists for the region to remove (older ones retention removes). */
const DELETED_IDS_KEPT = 100;

const route = createRoute({
  method: 'delete',
  path: '/v1/backups/{id}',
  tags: ['backups'],
  summary: 'Delete a backup',
  description:
    'The backup leaves the catalog at once (it no longer counts towards the restore window); the region removes its ' +
    "objects with the cluster's next command, or its retention run, whichever comes first. A backup still running " +
    'cannot be deleted (409).',
  security: [{ bearer: [] }],
  request: { params: backupParamsSchema },
  responses: {
    200: { description: 'Deleted', content: { 'application/json': { schema: z.object({ backup: backupSchema }) } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const deleteBackup = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const backup = await db(c).transaction(async (tx) => {
    const { backup, cluster } = await requireBackupAccess(tx, principal, id, 'backups:write', { lock: true });
    if (backup.status === 'pending' || backup.status === 'running') throw new ApiError('conflict', 'The backup is still being taken; delete it once it has ended');
    const [deleted] = await tx.update(backups).set({ status: 'deleted', updatedAt: new Date() }).where(eq(backups.id, backup.id)).returning();
    const deletedIds = [backup.id, ...cluster.backupRequests.deleted_backup_ids.filter((kept) => kept !== backup.id)].slice(0, DELETED_IDS_KEPT);
    await tx
      .update(clusters)
      .set({ backupRequests: { ...cluster.backupRequests, deleted_backup_ids: deletedIds } })
      .where(eq(clusters.id, cluster.id));
    await audit(tx, meta(c), { orgId: backup.orgId, action: 'backup.delete', targetType: 'backup', targetId: backup.id, metadata: { cluster_id: cluster.id } });
    return deleted!;
  });
  return c.json({ backup: serializeBackup(backup) }, 200);
});
