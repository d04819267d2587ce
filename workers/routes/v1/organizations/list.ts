import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { memberships, organizations } from '../../../../drizzle/schema.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { afterCursor, page } from '../../../../core/pagination.ts';
import { serializeOrganization } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { listQuerySchema } from '../../../schemas/common.ts';
import { organizationListSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/organizations',
  tags: ['organizations'],
  summary: "The caller's organizations, with their role in each",
  security: [{ bearer: [] }],
  request: { query: listQuerySchema },
  responses: {
    200: { description: 'A page of organizations, newest first', content: { 'application/json': { schema: organizationListSchema } } },
    ...errorResponses(400, 401),
  },
});

export const listOrganizations = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { limit, cursor } = c.req.valid('query');
  // Ordered by memberships.org_id so memberships_user_idx (user_id, org_id) serves the page.
  const rows = await query(c)
    .select({ id: memberships.orgId, org: organizations, role: memberships.role })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(and(eq(memberships.userId, principal.userId), afterCursor(memberships.orgId, cursor)))
    .orderBy(desc(memberships.orgId))
    .limit(limit + 1);
  return c.json(page(rows, limit, (r) => serializeOrganization(r.org, r.role)), 200);
});
