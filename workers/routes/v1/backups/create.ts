import { createRoute } from '@hono/zod-openapi';
import { backups } from '../../../../drizzle/schema.ts';
import { db, meta } from '../../../context.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { beginOperation } from '../../../../core/clusters/mutations.ts';
import { serializeBackup, serializeCluster, serializeOperation } from '../../../../core/clusters/serialize.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { newId } from '../../../../protocol/ids.ts';
import { dispatchOperation } from '../../../lib/dispatch.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { backupStartedSchema } from '../../../schemas/backups.ts';
import { clusterParamsSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/clusters/{id}/backups',
  tags: ['backups'],
  summary: 'Back up now',
  description:
    "Takes a full backup of a running cluster into its region's object store, beside the scheduled ones. An operation " +
    '(202): it ends when the region reports the backup completed or failed; the backup is followed on `backup.updated`.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: backupStartedSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const createBackup = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { cluster, operation, backup } = await db(c).transaction(async (tx) => {
    const { cluster } = await requireClusterAccess(tx, principal, id, 'backups:write', { lock: true });
    const backupId = newId('bk');
    const requested = { backup_id: backupId, requested_at: new Date().toISOString() };
    const started = await beginOperation(tx, meta(c), cluster, 'backup', { backupRequests: { ...cluster.backupRequests, requested } }, { backup_id: backupId });
    const [backup] = await tx
      .insert(backups)
      .values({ id: backupId, orgId: cluster.orgId, clusterId: cluster.id, kind: 'manual', status: 'pending', operationId: started.operation.id })
      .returning();
    return { ...started, backup: backup! };
  });
  await dispatchOperation(c, cluster, operation);
  return c.json({ cluster: serializeCluster(cluster), operation: serializeOperation(operation), backup: serializeBackup(backup) }, 202);
});
