import { createRoute } from '@hono/zod-openapi';
import { meta, query } from '../../../context.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { askAgent, requireRunning } from '../../../../core/clusters/agent-requests.ts';
import { auditStatement, QUERY_ANSWER_MARGIN_MS } from '../../../../core/clusters/sql-queries.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { log } from '../../../../core/logger.ts';
import { newId } from '../../../../protocol/ids.ts';
import { queryResultSchema } from '../../../../protocol/observability.ts';
import { regionRequest } from '../../../lib/region-requests.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema } from '../../../schemas/clusters.ts';
import { runQuerySchema } from '../../../schemas/observability.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/clusters/{id}/query',
  tags: ['observability'],
  summary: 'Run SQL on a cluster',
  description:
    "Runs the statements as the cluster's app role through its region, with a statement_timeout and a row limit, and " +
    'answers the last statement\'s columns (with PostgreSQL types) and rows. A statement PostgreSQL refuses is 422 ' +
    '`sql_error` with its SQLSTATE, position and hint in `details`; one past its timeout is 422 `statement_timeout`; ' +
    'one cancelled with DELETE /v1/queries/{id} is 409 `query_cancelled`. Audited with the statement\'s SHA-256 and ' +
    'first 200 characters, never its parameters. Needs a running cluster and the clusters:query permission.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, body: { required: true, content: { 'application/json': { schema: runQuerySchema } } } },
  responses: {
    200: { description: 'The result', content: { 'application/json': { schema: queryResultSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
});

export const runClusterQuery = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const { cluster } = await requireClusterAccess(query(c), principal, id, 'clusters:query');
  requireRunning(cluster);
  const queryId = body.query_id ?? newId('qr');
  // Issued before the dispatch and run beside it, so the answer never waits for the catalog, and the row that
  // DELETE /v1/queries/{id} looks the statement up by exists as the statement starts.
  const audited = auditStatement(query(c), meta(c), cluster, { queryId, sql: body.sql, readOnly: body.read_only }).catch((error: unknown) =>
    log('error', 'a statement went unaudited', { request_id: c.var.requestId, cluster_id: cluster.id, query_id: queryId, error: String(error) }),
  );
  c.executionCtx.waitUntil(audited);
  const payload = { query_id: queryId, sql: body.sql, params: body.params, read_only: body.read_only, timeout_ms: body.timeout_ms, row_limit: body.row_limit };
  const result = await askAgent(regionRequest(c, cluster.regionId), cluster.id, 'sql', payload, body.timeout_ms + QUERY_ANSWER_MARGIN_MS);
  return c.json(result, 200);
});
