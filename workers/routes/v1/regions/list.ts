import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq, isNull, or } from 'drizzle-orm';
import type { App } from '../../../app.ts';
import { query } from '../../../context.ts';
import { memberships, regions } from '../../../../drizzle/schema.ts';
import { errorResponses, notFound } from '../../../../core/errors.ts';
import { afterCursor, page } from '../../../../core/pagination.ts';
import { requirePermission, targetOrgId } from '../../../../core/identity/rbac.ts';
import { serializeRegion } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { regionListQuerySchema, regionListSchema } from '../../../schemas/regions.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/regions',
  tags: ['regions'],
  summary: 'Regions an organization can place clusters in',
  description:
    "The shared regions plus the organization's own (org_id, else the session's organization); newest first. " +
    'Any member may list them. Deleted regions are not listed.',
  security: [{ bearer: [] }],
  request: { query: regionListQuerySchema },
  responses: {
    200: { description: 'A page of regions', content: { 'application/json': { schema: regionListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const registerListRegions = (app: App) =>
  app.openapi(route, async (c) => {
    const principal = requireAuth(c);
    const params = c.req.valid('query');
    const orgId = targetOrgId(principal, params.org_id);
    // One round trip, as for projects: the caller's membership joined to the page of regions it can see.
    const rows = await query(c)
      .select({ role: memberships.role, region: regions })
      .from(memberships)
      .leftJoin(
        regions,
        and(
          or(eq(regions.orgId, memberships.orgId), eq(regions.visibility, 'shared')),
          isNull(regions.revokedAt),
          afterCursor(regions.id, params.cursor),
        ),
      )
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, principal.userId)))
      .orderBy(desc(regions.id))
      .limit(params.limit + 1);
    const role = rows[0]?.role;
    if (!role) throw notFound('Organization');
    requirePermission(role, 'org:read');
    const found = rows.flatMap((r) => (r.region ? [r.region] : []));
    return c.json(page(found, params.limit, serializeRegion), 200);
  });
