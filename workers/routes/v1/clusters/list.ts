import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq, ilike, isNotNull, isNull } from 'drizzle-orm';
import type { App } from '../../../app.ts';
import { query } from '../../../context.ts';
import { clusters, memberships } from '../../../../drizzle/schema.ts';
import { serializeCluster } from '../../../../core/clusters/records.ts';
import { errorResponses, notFound } from '../../../../core/errors.ts';
import { afterCursor, page } from '../../../../core/pagination.ts';
import { requirePermission, targetOrgId } from '../../../../core/identity/rbac.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterListQuerySchema, clusterListSchema } from '../../../schemas/clusters.ts';

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

export const registerListClusters = (app: App) =>
  app.openapi(route, async (c) => {
    const principal = requireAuth(c);
    const params = c.req.valid('query');
    const orgId = targetOrgId(principal, params.org_id);
    // One round trip: the caller's membership joined to the page (see projects/list.ts).
    const rows = await query(c)
      .select({ role: memberships.role, cluster: clusters })
      .from(memberships)
      .leftJoin(
        clusters,
        and(
          eq(clusters.orgId, memberships.orgId),
          params.status === 'deleted' ? isNotNull(clusters.deletedAt) : isNull(clusters.deletedAt),
          params.status && params.status !== 'deleted' ? eq(clusters.status, params.status) : undefined,
          params.project_id ? eq(clusters.projectId, params.project_id) : undefined,
          params.region_id ? eq(clusters.regionId, params.region_id) : undefined,
          params.engine ? eq(clusters.engine, params.engine) : undefined,
          params.search ? ilike(clusters.name, likePattern(params.search)) : undefined,
          afterCursor(clusters.id, params.cursor),
        ),
      )
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, principal.userId)))
      .orderBy(desc(clusters.id))
      .limit(params.limit + 1);
    const role = rows[0]?.role;
    if (!role) throw notFound('Organization');
    requirePermission(role, 'clusters:read');
    const found = rows.flatMap((r) => (r.cluster ? [r.cluster] : []));
    return c.json(page(found, params.limit, serializeCluster), 200);
  });
