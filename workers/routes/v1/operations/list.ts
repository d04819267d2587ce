import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { operations } from '../../../../drizzle/schema.ts';
import { serializeOperation } from '../../../../core/clusters/serialize.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { targetOrgId } from '../../../../core/identity/rbac.ts';
import { orgPage } from '../../../../core/org-pages.ts';
import { page } from '../../../../core/pagination.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { operationListQuerySchema, operationListSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

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

export const listOperations = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const params = c.req.valid('query');
  const found = await orgPage(query(c), principal, {
    table: operations,
    orgColumn: operations.orgId,
    idColumn: operations.id,
    orgId: targetOrgId(principal, params.org_id),
    permission: 'clusters:read',
    where: params.cluster_id ? eq(operations.clusterId, params.cluster_id) : undefined,
    cursor: params.cursor,
    limit: params.limit,
  });
  return c.json(page(found, params.limit, serializeOperation), 200);
});
