import { createRoute } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { memberships } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { findMember, requireAnotherOwner } from '../../../../core/identity/memberships.ts';
import { lockOrganization } from '../../../../core/identity/organizations.ts';
import { can, requireOrgAccess } from '../../../../core/identity/rbac.ts';
import { serializeMembership } from '../../../lib/serialize.ts';
import { realtimeFor } from '../../../../durable-objects/realtime/stub.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { memberParamsSchema, membershipResponseSchema, updateMemberSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'patch',
  path: '/v1/organizations/{org_id}/members/{user_id}',
  tags: ['organizations'],
  summary: "Change a member's role",
  description: "Only an owner may grant or take away the owner role, or change an owner's role. Demoting the last owner is refused with 409.",
  security: [{ bearer: [] }],
  request: {
    params: memberParamsSchema,
    body: { required: true, content: { 'application/json': { schema: updateMemberSchema } } },
  },
  responses: {
    200: { description: 'The updated membership', content: { 'application/json': { schema: membershipResponseSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const updateMember = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { org_id, user_id } = c.req.valid('param');
  const { role } = c.req.valid('json');
  const membership = await db(c).transaction(async (tx) => {
    const { role: callerRole } = await requireOrgAccess(tx, principal, org_id, 'members:manage');
    await lockOrganization(tx, org_id);
    const target = await findMember(tx, org_id, user_id);
    const previous = target.membership.role;
    if ((previous === 'owner' || role === 'owner') && callerRole !== 'owner') {
      throw new ApiError('forbidden', 'Only an owner may grant or take away the owner role');
    }
    if (previous === 'owner' && role !== 'owner') await requireAnotherOwner(tx, org_id, user_id);
    const [updated] = await tx
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.orgId, org_id), eq(memberships.userId, user_id)))
      .returning();
    await audit(tx, meta(c), { orgId: org_id, action: 'member.role_changed', targetType: 'user', targetId: user_id, metadata: { from: previous, to: role } });
    return serializeMembership(updated!, target.user);
  });
  // Subscriptions were authorized under the old role: a role that may no longer read clusters loses them now.
  if (!can(role, 'clusters:read')) c.executionCtx.waitUntil(realtimeFor(c.env, org_id).dropUser(user_id));
  return c.json({ membership }, 200);
});
