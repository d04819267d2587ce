import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { invitations } from '../../../../drizzle/schema.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { afterCursor, page } from '../../../../core/pagination.ts';
import { requireOrgAccess } from '../../../../core/identity/rbac.ts';
import { serializeInvitation } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { listQuerySchema } from '../../../schemas/common.ts';
import { invitationListSchema, orgParamsSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/organizations/{org_id}/invitations',
  tags: ['organizations'],
  summary: 'Pending invitations of an organization',
  description: 'Invitations not yet accepted and not expired, newest first.',
  security: [{ bearer: [] }],
  request: { params: orgParamsSchema, query: listQuerySchema },
  responses: {
    200: { description: 'A page of pending invitations', content: { 'application/json': { schema: invitationListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listInvitations = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { org_id } = c.req.valid('param');
  const { limit, cursor } = c.req.valid('query');
  await requireOrgAccess(query(c), principal, org_id, 'members:manage');
  const rows = await query(c)
    .select()
    .from(invitations)
    .where(
      and(
        eq(invitations.orgId, org_id),
        isNull(invitations.acceptedAt),
        gt(invitations.expiresAt, new Date()),
        afterCursor(invitations.id, cursor),
      ),
    )
    .orderBy(desc(invitations.id))
    .limit(limit + 1);
  return c.json(page(rows, limit, serializeInvitation), 200);
});
