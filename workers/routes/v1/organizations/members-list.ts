import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { memberships, users } from '../../../../drizzle/schema.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { afterCursor, page } from '../../../../core/pagination.ts';
import { requireOrgAccess } from '../../../../core/identity/rbac.ts';
import { serializeMembership } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { listQuerySchema } from '../../../schemas/common.ts';
import { membershipListSchema, orgParamsSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/organizations/{org_id}/members',
  tags: ['organizations'],
  summary: 'Members of an organization with their roles',
  description: 'Ordered by user id, newest accounts first (user ids are time-ordered).',
  security: [{ bearer: [] }],
  request: { params: orgParamsSchema, query: listQuerySchema },
  responses: {
    200: { description: 'A page of members', content: { 'application/json': { schema: membershipListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listMembers = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { org_id } = c.req.valid('param');
  const { limit, cursor } = c.req.valid('query');
  await requireOrgAccess(query(c), principal, org_id, 'members:read');
  // The cursor is the user id: unique within an org and the primary key's second column.
  const rows = await query(c)
    .select({ id: memberships.userId, membership: memberships, user: { id: users.id, email: users.email, name: users.name } })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, org_id), afterCursor(memberships.userId, cursor)))
    .orderBy(desc(memberships.userId))
    .limit(limit + 1);
  return c.json(page(rows, limit, (r) => serializeMembership(r.membership, r.user)), 200);
});
