import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireProjectAccess } from '../../../../core/identity/rbac.ts';
import { serializeProject } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { projectParamsSchema, projectResponseSchema } from '../../../schemas/projects.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/projects/{id}',
  tags: ['projects'],
  summary: 'A project',
  security: [{ bearer: [] }],
  request: { params: projectParamsSchema },
  responses: {
    200: { description: 'The project', content: { 'application/json': { schema: projectResponseSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const getProject = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { project } = await requireProjectAccess(query(c), principal, id, 'projects:read');
  return c.json({ project: serializeProject(project) }, 200);
});
