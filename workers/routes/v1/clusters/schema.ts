import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { askRunningCluster } from '../../../../core/clusters/agent-requests.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { databaseSchemaSchema } from '../../../../protocol/observability.ts';
import { regionRequest } from '../../../lib/region-requests.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

/** A few catalog queries; a database with many thousands of tables takes seconds. */
const SCHEMA_TIMEOUT_MS = 30_000;

const route = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}/schema',
  tags: ['observability'],
  summary: "A cluster's database schema",
  description:
    'Schemas, tables (row estimates, sizes, columns, indexes, foreign keys), views and installed extensions, as the ' +
    "cluster's app role sees them. Needs a running cluster.",
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema },
  responses: {
    200: { description: 'The schema', content: { 'application/json': { schema: databaseSchemaSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
});

export const clusterDatabaseSchema = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  // Table and column names are what a reader of the cluster sees anyway.
  const { cluster } = await requireClusterAccess(query(c), principal, id, 'clusters:read');
  const schema = await askRunningCluster(regionRequest(c, cluster.regionId), cluster, 'schema', {}, SCHEMA_TIMEOUT_MS);
  return c.json(schema, 200);
});
