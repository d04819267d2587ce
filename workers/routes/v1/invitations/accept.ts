import { createRoute } from '@hono/zod-openapi';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { invitations, memberships, users } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { sha256Hex } from '../../../../core/crypto.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { serializeMembership } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { acceptInvitationSchema, membershipResponseSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/invitations/accept',
  tags: ['organizations'],
  summary: 'Accept an invitation with the token from its email',
  description: "The signed-in user's email must be the invited one. Each invitation works once.",
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: acceptInvitationSchema } } } },
  responses: {
    200: { description: 'The new membership', content: { 'application/json': { schema: membershipResponseSchema } } },
    ...errorResponses(400, 401, 403, 409),
  },
});

const invalidInvitation = () => new ApiError('bad_request', 'This invitation is invalid, already used or expired');

export const acceptInvitation = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { token } = c.req.valid('json');
  const tokenHash = await sha256Hex(token);
  const membership = await db(c).transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id, email: users.email, name: users.name }).from(users).where(eq(users.id, principal.userId)).limit(1);
    if (!user) throw new ApiError('unauthorized', 'The signed-in account no longer exists');
    const [invitation] = await tx.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).limit(1);
    if (!invitation) throw invalidInvitation();
    // Checked before the invitation is claimed, so a wrong account does not use it up.
    if (invitation.email !== user.email) throw new ApiError('forbidden', 'This invitation is for another email address');
    // One conditional UPDATE: of two concurrent accepts only one can claim it.
    const now = new Date();
    const [claimed] = await tx
      .update(invitations)
      .set({ acceptedAt: now })
      .where(and(eq(invitations.id, invitation.id), isNull(invitations.acceptedAt), gt(invitations.expiresAt, now)))
      .returning();
    if (!claimed) throw invalidInvitation();
    const [membership] = await tx
      .insert(memberships)
      .values({ orgId: claimed.orgId, userId: user.id, role: claimed.role })
      .onConflictDoNothing()
      .returning();
    if (!membership) throw new ApiError('conflict', 'You are already a member of this organization');
    await audit(tx, meta(c), {
      orgId: claimed.orgId,
      action: 'invitation.accepted',
      targetType: 'invitation',
      targetId: claimed.id,
      metadata: { role: claimed.role },
    });
    return serializeMembership(membership, user);
  });
  return c.json({ membership }, 200);
});
