import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { healthHistorySchema } from '../../../../protocol/observability.ts';
import { clusterObject } from '../../../../durable-objects/cluster/stub.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema } from '../../../schemas/clusters.ts';
import { HEALTH_RANGE, healthHistoryQuerySchema, timeRange } from '../../../schemas/observability.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}/health/history',
  tags: ['observability'],
  summary: "A cluster's health over a time range",
  description:
    'Up, down and asleep intervals from the region\'s probes (connect and `select 1` every 30 s), the probe latency, ' +
    'and uptime over the last 24 h, 7 d and 30 d, counting only time awake. Default: the last 24 hours; at most 30 days.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, query: healthHistoryQuerySchema },
  responses: {
    200: { description: 'The history', content: { 'application/json': { schema: healthHistorySchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const clusterHealthHistory = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { from, to } = timeRange(c.req.valid('query'), HEALTH_RANGE);
  await requireClusterAccess(query(c), principal, id, 'clusters:read');
  const history = await clusterObject(c.env, id).healthHistory({ from: from.toISOString(), to: to.toISOString() });
  return c.json(history, 200);
});
