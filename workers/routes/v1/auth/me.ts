import { createRoute } from '@hono/zod-openapi';
import { asc, eq } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { memberships, organizations, users } from '../../../../drizzle/schema.ts';
import { errorResponses, notFound } from '../../../../core/errors.ts';
import { serializeOrganization, serializeUser } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { meSchema } from '../../../schemas/auth.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/auth/me',
  tags: ['auth'],
  summary: 'The signed-in user and their organizations',
  security: [{ bearer: [] }],
  responses: {
    200: { description: 'The current user', content: { 'application/json': { schema: meSchema } } },
    ...errorResponses(401),
  },
});

export const me = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  // One round trip: the user row joined to every membership.
  const rows = await query(c)
    .select({ user: users, org: organizations, role: memberships.role })
    .from(users)
    .leftJoin(memberships, eq(memberships.userId, users.id))
    .leftJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(eq(users.id, principal.userId))
    .orderBy(asc(memberships.joinedAt));
  const user = rows[0]?.user;
  if (!user) throw notFound('User');
  const orgs = rows.flatMap((r) => (r.org && r.role ? [serializeOrganization(r.org, r.role)] : []));
  const current = orgs.some((o) => o.id === principal.orgId) ? principal.orgId : (orgs[0]?.id ?? null);
  return c.json({ user: serializeUser(user), organizations: orgs, current_org_id: current }, 200);
});
