import { createRoute } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { db, meta, query } from '../../../context.ts';
import { memberships } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { findMember, requireAnotherOwner } from '../../../../core/identity/memberships.ts';
import { lockOrganization } from '../../../../core/identity/organizations.ts';
import { requireOrgAccess } from '../../../../core/identity/rbac.ts';
import { revokeOrgSessions } from '../../../../core/identity/sessions.ts';
import { announceRevocation } from '../../../lib/revocation.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { memberParamsSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'delete',
  path: '/v1/organizations/{org_id}/members/{user_id}',
  tags: ['organizations'],
  summary: 'Remove a member, or leave the organization',
  description:
    'Removing someone else takes members:manage, and only an owner may remove an owner. Any member may remove themselves. The last owner cannot leave (409). ' +
    'The member loses the organization at once: their live-update sockets on it close, and when removed by someone else the sessions they opened in it end.',
  security: [{ bearer: [] }],
  request: { params: memberParamsSchema },
  responses: {
    204: { description: 'Removed' },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const removeMember = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { org_id, user_id } = c.req.valid('param');
  // A key acts for its creator but is not them: removing the creator through it needs members:manage like anyone else.
  const leaving = user_id === principal.userId && !principal.apiKeyId;
  const revocation = await db(c).transaction(async (tx) => {
    // Every role has org:read, so any member may leave.
    const { role: callerRole } = await requireOrgAccess(tx, principal, org_id, leaving ? 'org:read' : 'members:manage');
    await lockOrganization(tx, org_id);
    const target = await findMember(tx, org_id, user_id);
    if (target.membership.role === 'owner') {
      if (callerRole !== 'owner') throw new ApiError('forbidden', 'Only an owner may remove an owner');
      await requireAnotherOwner(tx, org_id, user_id);
    }
    await tx.delete(memberships).where(and(eq(memberships.orgId, org_id), eq(memberships.userId, user_id)));
    await audit(tx, meta(c), {
      orgId: org_id,
      action: leaving ? 'member.left' : 'member.removed',
      targetType: 'user',
      targetId: user_id,
      metadata: { role: target.membership.role },
    });
    // Someone removed loses the sessions they opened in the org; someone leaving keeps theirs (their next
    // refresh moves it to another org of theirs). Either way their sockets on the org close.
    return leaving ? { userId: user_id, sessionIds: [], orgIds: [org_id] } : revokeOrgSessions(tx, user_id, org_id);
  });
  await announceRevocation(c, revocation, query(c));
  return c.body(null, 204);
});
