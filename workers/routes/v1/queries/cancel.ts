import { createRoute } from '@hono/zod-openapi';
import { meta, query } from '../../../context.ts';
import { audit } from '../../../../core/audit.ts';
import { askAgent } from '../../../../core/clusters/agent-requests.ts';
import { findRecentStatement } from '../../../../core/clusters/sql-queries.ts';
import { errorResponses, notFound } from '../../../../core/errors.ts';
import { requirePermission } from '../../../../core/identity/rbac.ts';
import { regionRequest } from '../../../lib/region-requests.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { queryCancellationSchema, queryParamsSchema } from '../../../schemas/observability.ts';
import { defineRoute } from '../../define-route.ts';

/** The agent cancels the backend and answers at once. */
const CANCEL_TIMEOUT_MS = 10_000;

const route = createRoute({
  method: 'delete',
  path: '/v1/queries/{id}',
  tags: ['observability'],
  summary: 'Cancel a running statement',
  description:
    'Cancels the statement sent with this `query_id` (POST /v1/clusters/{id}/query), which then answers 409 ' +
    '`query_cancelled`. `cancelled` is false when it had already ended. Needs the clusters:query permission.',
  security: [{ bearer: [] }],
  request: { params: queryParamsSchema },
  responses: {
    200: { description: 'Cancellation sent', content: { 'application/json': { schema: queryCancellationSchema } } },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

export const cancelQuery = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const statement = await findRecentStatement(query(c), principal, id);
  if (!statement) throw notFound('Query');
  requirePermission(statement.role, 'clusters:query');
  const { cancelled } = await askAgent(regionRequest(c, statement.regionId), statement.clusterId, 'cancel', { query_id: id }, CANCEL_TIMEOUT_MS);
  await audit(query(c), meta(c), {
    orgId: statement.orgId,
    action: 'cluster.query_cancel',
    targetType: 'cluster',
    targetId: statement.clusterId,
    metadata: { query_id: id, cancelled },
  });
  return c.json({ query_id: id, cancelled }, 200);
});
