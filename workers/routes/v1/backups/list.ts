import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq, ne } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { backups } from '../../../../drizzle/schema.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { serializeBackup } from '../../../../core/clusters/serialize.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { afterCursor, page } from '../../../../core/pagination.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { backupListQuerySchema, backupListSchema } from '../../../schemas/backups.ts';
import { clusterParamsSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}/backups',
  tags: ['backups'],
  summary: "A cluster's backups",
  description: 'Newest first, deleted ones left out. Also for a deleted cluster, whose backups are kept for its retention period.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, query: backupListQuerySchema },
  responses: {
    200: { description: 'A page of backups', content: { 'application/json': { schema: backupListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listBackups = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { limit, cursor } = c.req.valid('query');
  const { cluster } = await requireClusterAccess(query(c), principal, id, 'backups:read', { includeDeleted: true });
  const rows = await query(c)
    .select()
    .from(backups)
    .where(and(eq(backups.clusterId, cluster.id), ne(backups.status, 'deleted'), afterCursor(backups.id, cursor)))
    .orderBy(desc(backups.id))
    .limit(limit + 1);
  return c.json(page(rows, limit, serializeBackup), 200);
});
