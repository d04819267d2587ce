import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { serializeRestoreWindow } from '../../../../core/clusters/serialize.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { restoreWindowSchema } from '../../../../protocol/resources.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}/restore-window',
  tags: ['backups'],
  summary: 'What a cluster can be restored to',
  description:
    'From the end of its oldest kept backup to its newest archived WAL, as its region last reported it (live on ' +
    '`restore_window.updated`). Also for a deleted cluster, whose history is kept for its retention period.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema },
  responses: {
    200: { description: 'The restore window', content: { 'application/json': { schema: restoreWindowSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const clusterRestoreWindow = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { cluster } = await requireClusterAccess(query(c), principal, id, 'backups:read', { includeDeleted: true });
  return c.json(serializeRestoreWindow(cluster), 200);
});
