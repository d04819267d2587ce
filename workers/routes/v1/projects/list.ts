import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import type { App } from '../../../app.ts';
import { query } from '../../../context.ts';
import { memberships, projects } from '../../../../drizzle/schema.ts';
import { errorResponses, notFound } from '../../../../core/errors.ts';
import { afterCursor, page } from '../../../../core/pagination.ts';
import { requirePermission, targetOrgId } from '../../../../core/identity/rbac.ts';
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
    const params = c.req.valid('query');
    const orgId = targetOrgId(principal, params.org_id);
    // One round trip on this hot path: the caller's membership row, joined to the page of the org's projects
    // (no membership row means not a member; a membership with no project joined means an empty page).
    const rows = await query(c)
      .select({ role: memberships.role, project: projects })
      .from(memberships)
      .leftJoin(projects, and(eq(projects.orgId, memberships.orgId), afterCursor(projects.id, params.cursor)))
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, principal.userId)))
      .orderBy(desc(projects.id))
      .limit(params.limit + 1);
    const role = rows[0]?.role;
    if (!role) throw notFound('Organization');
    requirePermission(role, 'projects:read');
    const found = rows.flatMap((r) => (r.project ? [r.project] : []));
    return c.json(page(found, params.limit, serializeProject), 200);
  });
