import { z } from '@hono/zod-openapi';
import { displayName, idParam, listResponse, planSchema, roleSchema, timestamp } from './common.ts';
import { userSchema } from './users.ts';

export const orgNameSchema = displayName(100);
export const orgSlugSchema = z
  .string()
  .min(3)
  .max(48)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lowercase letters, digits and hyphens, not at either end');

export const organizationSchema = z
  .object({
    id: z.string().openapi({ example: 'org_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
    name: z.string(),
    slug: z.string(),
    plan: planSchema,
    created_at: timestamp,
    role: roleSchema.optional().openapi({ description: "The caller's role in this organization" }),
  })
  .openapi('Organization');
export type Organization = z.infer<typeof organizationSchema>;

export const createOrganizationSchema = z
  .object({ name: orgNameSchema, slug: orgSlugSchema.optional() })
  .strict()
  .openapi('CreateOrganization');

export const updateOrganizationSchema = z
  .object({ name: orgNameSchema.optional(), slug: orgSlugSchema.optional() })
  .strict()
  .refine((v) => v.name !== undefined || v.slug !== undefined, 'give at least one of name, slug')
  .openapi('UpdateOrganization');

export const membershipSchema = z
  .object({
    user: userSchema.pick({ id: true, email: true, name: true }),
    org_id: z.string(),
    role: roleSchema,
    joined_at: timestamp,
  })
  .openapi('Membership');
export type Membership = z.infer<typeof membershipSchema>;

export const updateMemberSchema = z.object({ role: roleSchema }).strict().openapi('UpdateMember');

export const createInvitationSchema = z
  .object({ email: z.string().trim().toLowerCase().email().max(254), role: roleSchema })
  .strict()
  .openapi('CreateInvitation');

export const invitationSchema = z
  .object({
    id: z.string(),
    org_id: z.string(),
    email: z.string(),
    role: roleSchema,
    expires_at: timestamp,
    accepted_at: timestamp.nullable(),
    created_at: timestamp,
  })
  .openapi('Invitation');
export type Invitation = z.infer<typeof invitationSchema>;

export const acceptInvitationSchema = z.object({ token: z.string().min(10).max(200) }).strict().openapi('AcceptInvitation');

export const organizationResponseSchema = z.object({ organization: organizationSchema }).openapi('OrganizationResponse');
export const organizationListSchema = listResponse(organizationSchema).openapi('OrganizationList');

export const membershipResponseSchema = z.object({ membership: membershipSchema }).openapi('MembershipResponse');
export const membershipListSchema = listResponse(membershipSchema).openapi('MembershipList');

export const invitationResponseSchema = z.object({ invitation: invitationSchema }).openapi('InvitationResponse');
export const invitationListSchema = listResponse(invitationSchema).openapi('InvitationList');

export const orgParamsSchema = z.object({ org_id: idParam('org_id', 'org_01jd3k5x8r2m9q7v4w6y0z1a2b') });
export const memberParamsSchema = orgParamsSchema.extend({ user_id: idParam('user_id', 'usr_01jd3k5x8r2m9q7v4w6y0z1a2b') });
