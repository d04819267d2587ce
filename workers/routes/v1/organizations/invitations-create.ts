import { createRoute } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { invitations, memberships, users } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { randomToken, sha256Hex } from '../../../../core/crypto.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { newId } from '../../../../protocol/ids.ts';
import { appLink, writeMail } from '../../../../core/mail.ts';
import { dispatchMail } from '../../../lib/mail.ts';
import { requireOrgAccess } from '../../../../core/identity/rbac.ts';
import { serializeInvitation } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { createInvitationSchema, invitationResponseSchema, orgParamsSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const route = createRoute({
  method: 'post',
  path: '/v1/organizations/{org_id}/invitations',
  tags: ['organizations'],
  summary: 'Invite someone to the organization by email',
  description:
    'Mails a single-use link that expires in 7 days; the token is never returned by the API. Only an owner may invite an owner.',
  security: [{ bearer: [] }],
  request: {
    params: orgParamsSchema,
    body: { required: true, content: { 'application/json': { schema: createInvitationSchema } } },
  },
  responses: {
    201: { description: 'The invitation (without its token)', content: { 'application/json': { schema: invitationResponseSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const createInvitation = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { org_id } = c.req.valid('param');
  const { email, role } = c.req.valid('json');
  const token = randomToken();
  const { invitation, mailId } = await db(c).transaction(async (tx) => {
    const { org, role: callerRole } = await requireOrgAccess(tx, principal, org_id, 'members:manage');
    if (role === 'owner' && callerRole !== 'owner') throw new ApiError('forbidden', 'Only an owner may invite an owner');
    const [member] = await tx
      .select({ id: users.id })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, org_id), eq(users.email, email)))
      .limit(1);
    if (member) throw new ApiError('conflict', `${email} is already a member of this organization`);
    const [invitation] = await tx
      .insert(invitations)
      .values({
        id: newId('inv'),
        orgId: org_id,
        email,
        role,
        tokenHash: await sha256Hex(token),
        invitedBy: principal.userId,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      })
      .returning();
    const mailId = await writeMail(tx, c.var.settings, {
      to: email,
      subject: `You are invited to join ${org.name} on Orochi Cloud`,
      text: [
        `You have been invited to join ${org.name} on Orochi Cloud as ${role}.`,
        `Accept the invitation: ${appLink(c.var.settings, '/invitations/accept', { token })}`,
        'Sign in (or sign up) with this email address first. The link works once and expires in 7 days.',
      ].join('\n\n'),
    });
    await audit(tx, meta(c), { orgId: org_id, action: 'invitation.created', targetType: 'invitation', targetId: invitation!.id, metadata: { email, role } });
    return { invitation: invitation!, mailId };
  });
  dispatchMail(c, [mailId]);
  return c.json({ invitation: serializeInvitation(invitation) }, 201);
});
