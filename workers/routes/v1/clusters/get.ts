import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { serializeCluster } from '../../../../core/clusters/serialize.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema } from '../../../schemas/clusters.ts';
import { clusterSchema } from '../../../../protocol/resources.ts';
import { z } from '@hono/zod-openapi';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}',
  tags: ['clusters'],
  summary: 'A cluster',
  description: 'Deleted clusters stay readable here (status `deleted`) so a deletion can be followed to its end.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema },
  responses: {
    200: { description: 'The cluster', content: { 'application/json': { schema: z.object({ cluster: clusterSchema }) } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const getCluster = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { cluster } = await requireClusterAccess(query(c), principal, id, 'clusters:read', { includeDeleted: true });
  return c.json({ cluster: serializeCluster(cluster) }, 200);
});
