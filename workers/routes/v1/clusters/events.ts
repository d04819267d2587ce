import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { clusterEvents } from '../../../../drizzle/schema.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { serializeEvent } from '../../../../core/clusters/serialize.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { afterCursor, page } from '../../../../core/pagination.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { listQuerySchema } from '../../../schemas/common.ts';
import { clusterParamsSchema, eventListSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}/events',
  tags: ['clusters'],
  summary: "A cluster's events, newest first",
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, query: listQuerySchema },
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: eventListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listClusterEvents = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { limit, cursor } = c.req.valid('query');
  await requireClusterAccess(query(c), principal, id, 'clusters:read', { includeDeleted: true });
  const rows = await query(c)
    .select()
    .from(clusterEvents)
    .where(and(eq(clusterEvents.clusterId, id), afterCursor(clusterEvents.id, cursor)))
    .orderBy(desc(clusterEvents.id))
    .limit(limit + 1);
  return c.json(page(rows, limit, serializeEvent), 200);
});
