// Query insights: the cluster's top statements from pg_stat_statements, and resetting those statistics.
import { createRoute } from '@hono/zod-openapi';
import { query, meta } from '../../../context.ts';
import { audit } from '../../../../core/audit.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { askRunningCluster } from '../../../../core/clusters/agent-requests.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { insightsResetResultSchema, insightsResultSchema } from '../../../../protocol/observability.ts';
import { regionRequest } from '../../../lib/region-requests.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema } from '../../../schemas/clusters.ts';
import { insightsQuerySchema } from '../../../schemas/observability.ts';
import { defineRoute } from '../../define-route.ts';

/** One read of pg_stat_statements (at most pg_stat_statements.max rows, 5,000 by default). */
const INSIGHTS_TIMEOUT_MS = 15_000;

const getRoute = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}/insights',
  tags: ['observability'],
  summary: "A cluster's top statements",
  description:
    'From pg_stat_statements since its last reset: calls, total and mean execution time, rows and shared buffer hits ' +
    'and reads per normalized statement, ordered by `order`. Needs a running cluster.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, query: insightsQuerySchema },
  responses: {
    200: { description: 'The statements', content: { 'application/json': { schema: insightsResultSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
});

export const clusterInsights = defineRoute(getRoute, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { order, limit } = c.req.valid('query');
  const { cluster } = await requireClusterAccess(query(c), principal, id, 'clusters:read');
  const insights = await askRunningCluster(regionRequest(c, cluster.regionId), cluster, 'insights', { order, limit }, INSIGHTS_TIMEOUT_MS);
  return c.json(insights, 200);
});

const resetRoute = createRoute({
  method: 'post',
  path: '/v1/clusters/{id}/insights/reset',
  tags: ['observability'],
  summary: "Reset a cluster's statement statistics",
  description: 'Empties pg_stat_statements, so insights count from now. Needs a running cluster and the clusters:query permission.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema },
  responses: {
    200: { description: 'Reset', content: { 'application/json': { schema: insightsResetResultSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
});

export const resetClusterInsights = defineRoute(resetRoute, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { cluster } = await requireClusterAccess(query(c), principal, id, 'clusters:query');
  const reset = await askRunningCluster(regionRequest(c, cluster.regionId), cluster, 'insights_reset', {}, INSIGHTS_TIMEOUT_MS);
  await audit(query(c), meta(c), { orgId: cluster.orgId, action: 'cluster.insights_reset', targetType: 'cluster', targetId: cluster.id, metadata: reset });
  return c.json(reset, 200);
});
