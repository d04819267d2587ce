import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { clusters, memberships, operations } from '../../../../drizzle/schema.ts';
import { serializeOperation } from '../../../../core/clusters/serialize.ts';
import { errorResponses, notFound } from '../../../../core/errors.ts';
import { requireKeyScope, requirePermission } from '../../../../core/identity/rbac.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { operationParamsSchema } from '../../../schemas/clusters.ts';
import { operationSchema } from '../../../../protocol/resources.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/operations/{id}',
  tags: ['operations'],
  summary: 'An operation',
  security: [{ bearer: [] }],
  request: { params: operationParamsSchema },
  responses: {
    200: { description: 'The operation', content: { 'application/json': { schema: z.object({ operation: operationSchema }) } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const getOperation = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const [row] = await query(c)
    .select({ operation: operations, role: memberships.role, projectId: clusters.projectId })
    .from(operations)
    .innerJoin(memberships, and(eq(memberships.orgId, operations.orgId), eq(memberships.userId, principal.userId)))
    .leftJoin(clusters, eq(clusters.id, operations.clusterId))
    .where(eq(operations.id, id))
    .limit(1);
  if (!row) throw notFound('Operation');
  requireKeyScope('Operation', row.operation.orgId, row.projectId);
  requirePermission(row.role, 'clusters:read');
  return c.json({ operation: serializeOperation(row.operation) }, 200);
});
