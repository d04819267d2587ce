import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import type { App } from '../../../app.ts';
import { db } from '../../../context.ts';
import { projects } from '../../../../drizzle/schema.ts';
import { errorResponses } from '../../../lib/errors.ts';
import { afterCursor, page } from '../../../lib/pagination.ts';
import { requireOrgAccess, targetOrgId } from '../../../lib/rbac.ts';
import { serializeProject } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { projectListQuerySchema, projectListSchema } from '../../../schemas/projects.ts';

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

export const registerListProjects = (app: App) =>
  app.openapi(route, async (c) => {
    const principal = requireAuth(c);
    const query = c.req.valid('query');
    const orgId = targetOrgId(principal, query.org_id);
    await requireOrgAccess(db(c), principal, orgId, 'projects:read');
    const rows = await db(c)
      .select()
      .from(projects)
      .where(and(eq(projects.orgId, orgId), afterCursor(projects.id, query.cursor)))
      .orderBy(desc(projects.id))
      .limit(query.limit + 1);
    return c.json(page(rows, query.limit, serializeProject), 200);
  });
