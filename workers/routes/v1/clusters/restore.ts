import { createRoute } from '@hono/zod-openapi';
import { db, meta } from '../../../context.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { insertBranch, preservedBranchName } from '../../../../core/clusters/branches.ts';
import { requireHistoryPoint } from '../../../../core/clusters/history-points.ts';
import { beginOperation } from '../../../../core/clusters/mutations.ts';
import { serializeCluster, serializeOperation } from '../../../../core/clusters/serialize.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { lockOrganization } from '../../../../core/identity/organizations.ts';
import { requireClusterQuota } from '../../../../core/identity/quotas.ts';
import { newId } from '../../../../protocol/ids.ts';
import { dispatchOperation } from '../../../lib/dispatch.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema, restoreClusterSchema, restoreResponseSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/clusters/{id}/restore',
  tags: ['backups'],
  summary: 'Restore a cluster in place',
  description:
    "Replaces the cluster's data with its own history at one of its backups or a time in its restore window; its id, " +
    'name and connection string stay. Unless `preserve` is false, the state at the moment of the request is kept as a ' +
    'new branch of the cluster (`preserved_branch`). An operation (202) that ends when the restored cluster runs.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, body: { required: true, content: { 'application/json': { schema: restoreClusterSchema } } } },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: restoreResponseSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});

export const restoreCluster = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const point = { backup_id: body.backup_id ?? null, target_time: body.target_time ?? null };
  const { cluster, operation, preserved } = await db(c).transaction(async (tx) => {
    const { cluster: current } = await requireClusterAccess(tx, principal, id, 'backups:write', { lock: true });
    await requireHistoryPoint(tx, current, point);
    const requestedAt = new Date().toISOString();
    let preserved = null;
    if (body.preserve) {
      const org = await lockOrganization(tx, current.orgId);
      await requireClusterQuota(tx, org);
      // The branch reads the cluster's archive at the moment of the request, which the region archives before it restores.
      preserved = await insertBranch(tx, meta(c), {
        source: current,
        point: { backup_id: null, target_time: requestedAt },
        name: await preservedBranchName(tx, current),
        projectId: current.projectId,
        passwordCiphertext: current.passwordCiphertext ?? '',
        reason: 'restore',
      });
    }
    const restoreRequest = { restore_id: newId('rs'), ...point, requested_at: requestedAt };
    const started = await beginOperation(tx, meta(c), current, 'restore', { restoreRequest }, { ...point, preserved_branch_id: preserved?.cluster.id ?? null });
    return { ...started, preserved };
  });
  await dispatchOperation(c, cluster, operation);
  if (preserved) await dispatchOperation(c, preserved.cluster, preserved.operation);
  return c.json(
    { cluster: serializeCluster(cluster), operation: serializeOperation(operation), preserved_branch: preserved ? serializeCluster(preserved.cluster) : null },
    202,
  );
});
