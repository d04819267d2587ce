import { createRoute } from '@hono/zod-openapi';
import { and, count, eq, isNull, sql, sum } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { clusters } from '../../../../drizzle/schema.ts';
import { SIZE_TABLE } from '../../../../protocol/sizes.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireOrgAccess } from '../../../../core/identity/rbac.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterSummarySchema } from '../../../schemas/clusters.ts';
import { clusterStatuses, type ClusterStatus } from '../../../../protocol/enums.ts';
import { orgParamsSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/organizations/{org_id}/summary',
  tags: ['organizations'],
  summary: "Counts and totals of an organization's clusters",
  description: 'What the dashboard shows at a glance: clusters per status, provisioned storage, and the compute of the running ones.',
  security: [{ bearer: [] }],
  request: { params: orgParamsSchema },
  responses: {
    200: { description: 'The summary', content: { 'application/json': { schema: clusterSummarySchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const organizationSummary = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { org_id } = c.req.valid('param');
  await requireOrgAccess(query(c), principal, org_id, 'clusters:read');
  // One grouped scan of the org's live clusters; the size table turns sizes into compute.
  const rows = await query(c)
    .select({
      status: clusters.status,
      size: clusters.size,
      clusters: count(),
      instances: sum(clusters.instances).mapWith(Number),
      storage: sum(clusters.storageGb).mapWith(Number),
      recent: sql<number>`count(*) filter (where ${clusters.createdAt} > now() - interval '7 days')`.mapWith(Number),
    })
    .from(clusters)
    .where(and(eq(clusters.orgId, org_id), isNull(clusters.deletedAt)))
    .groupBy(clusters.status, clusters.size);
  const byStatus: Partial<Record<ClusterStatus, number>> = {};
  for (const status of clusterStatuses) if (status !== 'deleted') byStatus[status] = 0;
  let total = 0;
  let storage = 0;
  let vcpu = 0;
  let memory = 0;
  let recent = 0;
  for (const row of rows) {
    if (row.status === 'deleted') continue;
    byStatus[row.status] = (byStatus[row.status] ?? 0) + row.clusters;
    total += row.clusters;
    storage += row.storage;
    recent += row.recent;
    const size = SIZE_TABLE[row.size];
    if (row.status === 'running' && size) {
      vcpu += size.vcpu * row.instances;
      memory += size.memory_gb * row.instances;
    }
  }
  return c.json({ total, by_status: byStatus, storage_gb: storage, running_vcpu: vcpu, running_memory_gb: memory, created_last_7_days: recent }, 200);
});
