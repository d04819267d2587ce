import { createRoute } from '@hono/zod-openapi';
import { db, meta } from '../../../context.ts';
import { beginOperation, type ClusterChanges } from '../../../../core/clusters/mutations.ts';
import { dispatchOperation } from '../../../lib/dispatch.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { serializeCluster, serializeOperation } from '../../../../core/clusters/serialize.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema, mutationResponseSchema, updateClusterSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';
import { eq } from 'drizzle-orm';
import { organizations } from '../../../../drizzle/schema.ts';
import { requireBackupRetention } from '../../../../core/identity/quotas.ts';

const route = createRoute({
  method: 'patch',
  path: '/v1/clusters/{id}',
  tags: ['clusters'],
  summary: 'Resize a cluster or change its settings',
  description: 'Size, instances or storage make a `resize` operation; settings alone an `update`. Storage can grow, never shrink.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, body: { required: true, content: { 'application/json': { schema: updateClusterSchema } } } },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: mutationResponseSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const updateCluster = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const { cluster, operation } = await db(c).transaction(async (tx) => {
    const { cluster } = await requireClusterAccess(tx, principal, id, 'clusters:write', { lock: true });
    if (body.settings?.backup_retention_days !== undefined) {
      const [org] = await tx.select({ plan: organizations.plan }).from(organizations).where(eq(organizations.id, cluster.orgId));
      requireBackupRetention(org!, body.settings.backup_retention_days);
    }
    if (body.storage_gb !== undefined && body.storage_gb < cluster.storageGb) {
      throw new ApiError('validation_failed', `Storage can grow but not shrink (now ${cluster.storageGb} GB)`, {
        details: [{ path: 'storage_gb', message: `must be at least ${cluster.storageGb}` }],
      });
    }
    const changes: ClusterChanges = {};
    if (body.size !== undefined) changes.size = body.size;
    if (body.instances !== undefined) changes.instances = body.instances;
    if (body.storage_gb !== undefined) changes.storageGb = body.storage_gb;
    if (body.settings !== undefined) changes.settings = { ...(cluster.settings as Record<string, unknown>), ...body.settings };
    const resizing = body.size !== undefined || body.instances !== undefined || body.storage_gb !== undefined;
    return beginOperation(tx, meta(c), cluster, resizing ? 'resize' : 'update', changes, { ...body });
  });
  await dispatchOperation(c, cluster, operation);
  return c.json({ cluster: serializeCluster(cluster), operation: serializeOperation(operation) }, 202);
});
