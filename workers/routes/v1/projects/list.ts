import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { projects } from '../../../../drizzle/schema.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { targetOrgId } from '../../../../core/identity/rbac.ts';
import { orgPage } from '../../../../core/org-pages.ts';
import { page } from '../../../../core/pagination.ts';
import { serializeProject } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { projectListQuerySchema, projectListSchema } from '../../../schemas/projects.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/projects',
  tags: ['projects'],
  summary: "An organization's projects",
  description: 'The organization named by org_id, else the one the session was opened for; newest first.',
  security: [{ bearer: [] }],
  request: { query: projectListQuerySchema },
  responses: {
    200: { description: 'A page of projects', content: { 'application/json': { schema: projectListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listProjects = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const params = c.req.valid('query');
  const found = await orgPage(query(c), principal, {
    table: projects,
    orgColumn: projects.orgId,
    idColumn: projects.id,
    projectColumn: projects.id,
    orgId: targetOrgId(principal, params.org_id),
    permission: 'projects:read',
    cursor: params.cursor,
    limit: params.limit,
  });
  return c.json(page(found, params.limit, serializeProject), 200);
});
