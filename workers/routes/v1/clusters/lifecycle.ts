// Sleep, wake and delete: mutations that change only the desired state, so they share one route shape.
import { createRoute } from '@hono/zod-openapi';
import { db, meta } from '../../../context.ts';
import type { ClusterAction } from '../../../../protocol/enums.ts';
import { beginOperation } from '../../../../core/clusters/mutations.ts';
import { dispatchOperation } from '../../../lib/dispatch.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { serializeCluster, serializeOperation } from '../../../../core/clusters/serialize.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { requirePermission } from '../../../../core/identity/rbac.ts';
import { clusterParamsSchema, deleteClusterQuerySchema, mutationResponseSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

// Generic in method and path so that each route keeps its own literal types for the typed client (hc).
function lifecycleRoute<M extends 'post' | 'delete', P extends string>(method: M, path: P, action: ClusterAction, summary: string, description: string) {
  const route = createRoute({
    method,
    path,
    tags: ['clusters'],
    summary,
    description,
    security: [{ bearer: [] }],
    request: { params: clusterParamsSchema },
    responses: {
      202: { description: 'Accepted', content: { 'application/json': { schema: mutationResponseSchema } } },
      ...errorResponses(400, 401, 403, 404, 409),
    },
  });
  return defineRoute(route, async (c) => {
    const principal = requireAuth(c);
    const { id } = c.req.valid('param');
    const { cluster, operation } = await db(c).transaction(async (tx) => {
      const { cluster } = await requireClusterAccess(tx, principal, id, 'clusters:write', { lock: true });
      return beginOperation(tx, meta(c), cluster, action);
    });
    await dispatchOperation(c, cluster, operation);
    return c.json({ cluster: serializeCluster(cluster), operation: serializeOperation(operation) }, 202);
  });
}

export const sleepCluster = lifecycleRoute(
  'post',
  '/v1/clusters/{id}/sleep',
  'sleep',
  'Put a cluster to sleep',
  'Stops its servers and keeps its data; connections are refused until it wakes.',
);
export const wakeCluster = lifecycleRoute('post', '/v1/clusters/{id}/wake', 'wake', 'Wake a sleeping cluster', 'Starts its servers again on the same data.');
const deleteRoute = createRoute({
  method: 'delete',
  path: '/v1/clusters/{id}',
  tags: ['clusters'],
  summary: 'Delete a cluster and its data',
  description:
    'Supersedes any operation still in flight. The cluster disappears from lists once the region confirms the deletion. ' +
    'Its backups and archived WAL stay for its retention period (branch from them with POST /v1/clusters and `source`) ' +
    'unless `purge_backups=true`, which removes them with it.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, query: deleteClusterQuerySchema },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: mutationResponseSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const deleteCluster = defineRoute(deleteRoute, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { purge_backups } = c.req.valid('query');
  const purge = purge_backups === 'true';
  const { cluster, operation } = await db(c).transaction(async (tx) => {
    const { cluster, role } = await requireClusterAccess(tx, principal, id, 'clusters:write', { lock: true });
    // Removing its backups too is a backup deletion as well.
    if (purge) requirePermission(role, 'backups:write');
    return beginOperation(tx, meta(c), cluster, 'delete', purge ? { backupRequests: { ...cluster.backupRequests, purge: true } } : {}, { purge_backups: purge });
  });
  await dispatchOperation(c, cluster, operation);
  return c.json({ cluster: serializeCluster(cluster), operation: serializeOperation(operation) }, 202);
});
