import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { clusters } from '../../../../drizzle/schema.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { serializeCluster } from '../../../../core/clusters/serialize.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { clusterSchema } from '../../../../protocol/resources.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

/** A cluster has few branches; more than this are left out (the dashboard shows the count it got). */
const BRANCHES_LIMIT = 200;

const route = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}/branches',
  tags: ['backups'],
  summary: "A cluster's branches",
  description: "The clusters made from this one's history (its children, oldest first, deleted ones left out); each names its parent in `parent_id`.",
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema },
  responses: {
    200: { description: 'Its branches', content: { 'application/json': { schema: z.object({ data: z.array(clusterSchema) }).openapi('BranchList') } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listBranches = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { cluster } = await requireClusterAccess(query(c), principal, id, 'clusters:read', { includeDeleted: true });
  const rows = await query(c)
    .select()
    .from(clusters)
    .where(and(eq(clusters.parentId, cluster.id), eq(clusters.orgId, cluster.orgId), isNull(clusters.deletedAt)))
    .orderBy(asc(clusters.id))
    .limit(BRANCHES_LIMIT);
  return c.json({ data: rows.map(serializeCluster) }, 200);
});
