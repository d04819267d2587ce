import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { regions } from '../../../../drizzle/schema.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema, healthReportSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}/health',
  tags: ['clusters'],
  summary: "A cluster's health as its region last reported it",
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema },
  responses: {
    200: { description: 'Health', content: { 'application/json': { schema: healthReportSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const clusterHealth = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { cluster } = await requireClusterAccess(query(c), principal, id, 'clusters:read');
  const [region] = await query(c).select({ status: regions.status }).from(regions).where(eq(regions.id, cluster.regionId));
  return c.json(
    {
      cluster_id: cluster.id,
      status: cluster.status,
      // A region that stopped reporting cannot vouch for its clusters.
      health: region?.status === 'online' ? cluster.health : 'unknown',
      ready_instances: cluster.readyInstances,
      instances: cluster.instances,
      generation: cluster.generation,
      observed_generation: cluster.observedGeneration,
      in_sync: cluster.observedGeneration >= cluster.generation,
      message: cluster.statusMessage,
      last_report_at: cluster.lastReportAt?.toISOString() ?? null,
      region_status: region?.status ?? 'offline',
    },
    200,
  );
});
