import { createRoute, z } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { serializeBackup } from '../../../../core/clusters/serialize.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { backupParamsSchema } from '../../../schemas/backups.ts';
import { backupSchema } from '../../../../protocol/resources.ts';
import { requireBackupAccess } from '../../../../core/clusters/backups.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/backups/{id}',
  tags: ['backups'],
  summary: 'A backup',
  security: [{ bearer: [] }],
  request: { params: backupParamsSchema },
  responses: {
    200: { description: 'The backup', content: { 'application/json': { schema: z.object({ backup: backupSchema }) } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const getBackup = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { backup } = await requireBackupAccess(query(c), principal, id, 'backups:read');
  return c.json({ backup: serializeBackup(backup) }, 200);
});
