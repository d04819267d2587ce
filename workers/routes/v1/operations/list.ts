import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import type { App } from '../../../app.ts';
import { query } from '../../../context.ts';
import { memberships, operations } from '../../../../drizzle/schema.ts';
import { serializeOperation } from '../../../../core/clusters/records.ts';
import { errorResponses, notFound } from '../../../../core/errors.ts';
import { afterCursor, page } from '../../../../core/pagination.ts';
import { requirePermission, targetOrgId } from '../../../../core/identity/rbac.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { operationListQuerySchema, operationListSchema } from '../../../schemas/clusters.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/operations',
  tags: ['operations'],
  summary: "An organization's operations, newest first",
  description: 'All of the org (org_id, else the session org), or one cluster with cluster_id.',
  security: [{ bearer: [] }],
  request: { query: operationListQuerySchema },
  responses: {
    200: { description: 'A page of operations', content: { 'application/json': { schema: operationListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const registerListOperations = (app: App) =>
  app.openapi(route, async (c) => {
    const principal = requireAuth(c);
    const params = c.req.valid('query');
    const orgId = targetOrgId(principal, params.org_id);
    const rows = await query(c)
      .select({ role: memberships.role, operation: operations })
      .from(memberships)
      .leftJoin(
        operations,
        and(
          eq(operations.orgId, memberships.orgId),
          params.cluster_id ? eq(operations.clusterId, params.cluster_id) : undefined,
          afterCursor(operations.id, params.cursor),
        ),
      )
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, principal.userId)))
      .orderBy(desc(operations.id))
      .limit(params.limit + 1);
    const role = rows[0]?.role;
    if (!role) throw notFound('Organization');
    requirePermission(role, 'clusters:read');
    return c.json(page(rows.flatMap((r) => (r.operation ? [r.operation] : [])), params.limit, serializeOperation), 200);
  });
