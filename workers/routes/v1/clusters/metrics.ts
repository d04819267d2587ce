import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { metricsResponseSchema } from '../../../../protocol/observability.ts';
import { clusterObject } from '../../../../durable-objects/cluster/stub.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema } from '../../../schemas/clusters.ts';
import { METRICS_RANGE, metricsQuerySchema, requestedSeries, timeRange } from '../../../schemas/observability.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}/metrics',
  tags: ['observability'],
  summary: "A cluster's metrics over a time range",
  description:
    'CPU, memory, connections, transactions per second, cache hit ratio, database size and (with more than one ' +
    'instance) replication lag, one column per series and one timestamp per step, null where nothing was sampled. ' +
    'Kept for 90 days (10 s points for a day, 1 min for a week, 1 h beyond); also for a sleeping cluster. ' +
    'New points arrive live on the realtime channel `metrics:{cluster_id}`.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, query: metricsQuerySchema },
  responses: {
    200: { description: 'The series', content: { 'application/json': { schema: metricsResponseSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const clusterMetrics = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const params = c.req.valid('query');
  const { from, to } = timeRange(params, METRICS_RANGE);
  await requireClusterAccess(query(c), principal, id, 'clusters:read');
  const metrics = await clusterObject(c.env, id).metrics({
    from: from.toISOString(),
    to: to.toISOString(),
    stepSeconds: params.step ?? null,
    series: requestedSeries(params.series),
  });
  return c.json(metrics, 200);
});
