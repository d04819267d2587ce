import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { askAgent } from '../../../../core/clusters/agent-requests.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { regionRequest } from '../../../lib/region-requests.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema } from '../../../schemas/clusters.ts';
import { clusterLogsSchema, logsQuerySchema } from '../../../schemas/observability.ts';
import { defineRoute } from '../../define-route.ts';

/** The agent reads its kept window of the log, so it answers quickly or not at all. */
const LOGS_TIMEOUT_MS = 10_000;

const route = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}/logs',
  tags: ['observability'],
  summary: "A cluster's recent server log",
  description:
    'The newest lines of the PostgreSQL log that match, oldest first, from the window its region keeps. ' +
    'New lines arrive live on the realtime channel `logs:{cluster_id}`.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, query: logsQuerySchema },
  responses: {
    200: { description: 'Log lines', content: { 'application/json': { schema: clusterLogsSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

export const clusterLogs = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { since, level, search, limit } = c.req.valid('query');
  // Any state: the region keeps the log of a cluster that stopped, which is when it is wanted most.
  const { cluster } = await requireClusterAccess(query(c), principal, id, 'clusters:read');
  const payload = { since: since ? new Date(since).toISOString() : null, level: level ?? null, search: search ?? null, limit };
  const { entries } = await askAgent(regionRequest(c, cluster.regionId), cluster.id, 'logs', payload, LOGS_TIMEOUT_MS);
  return c.json({ data: entries }, 200);
});
