import { z } from '@hono/zod-openapi';
import { planSchema, roleSchema, timestamp } from './common.ts';
import { userSchema } from './users.ts';

export const orgNameSchema = z.string().trim().min(1).max(100);
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
