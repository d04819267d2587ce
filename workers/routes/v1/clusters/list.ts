import { createRoute } from '@hono/zod-openapi';
import { and, eq, ilike, isNotNull, isNull } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { clusters } from '../../../../drizzle/schema.ts';
import { serializeCluster } from '../../../../core/clusters/serialize.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { targetOrgId } from '../../../../core/identity/rbac.ts';
import { orgPage } from '../../../../core/org-pages.ts';
import { page } from '../../../../core/pagination.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterListQuerySchema, clusterListSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/clusters',
  tags: ['clusters'],
  summary: "An organization's clusters",
  description: 'Newest first. Filters combine; `search` matches part of the name. Deleted clusters appear only with status=deleted.',
  security: [{ bearer: [] }],
  request: { query: clusterListQuerySchema },
  responses: {
    200: { description: 'A page of clusters', content: { 'application/json': { schema: clusterListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

/** `search` is matched literally: LIKE's own wildcards in it are escaped. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export const listClusters = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const params = c.req.valid('query');
  const found = await orgPage(query(c), principal, {
    table: clusters,
    orgColumn: clusters.orgId,
    idColumn: clusters.id,
    projectColumn: clusters.projectId,
    orgId: targetOrgId(principal, params.org_id),
    permission: 'clusters:read',
    where: and(
      params.status === 'deleted' ? isNotNull(clusters.deletedAt) : isNull(clusters.deletedAt),
      params.status && params.status !== 'deleted' ? eq(clusters.status, params.status) : undefined,
      params.project_id ? eq(clusters.projectId, params.project_id) : undefined,
      params.region_id ? eq(clusters.regionId, params.region_id) : undefined,
      params.engine ? eq(clusters.engine, params.engine) : undefined,
      params.search ? ilike(clusters.name, likePattern(params.search)) : undefined,
    ),
    cursor: params.cursor,
    limit: params.limit,
  });
  return c.json(page(found, params.limit, serializeCluster), 200);
});
