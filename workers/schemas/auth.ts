import { z } from '@hono/zod-openapi';
import { displayName } from './common.ts';
import { organizationSchema } from './organizations.ts';
import { projectSchema } from './projects.ts';
import { userSchema } from './users.ts';

export const emailSchema = z.string().trim().toLowerCase().email().max(254);
// The upper bound keeps a single hash cheap; the lower is NIST SP 800-63B's minimum.
export const passwordSchema = z.string().min(8, 'at least 8 characters').max(128, 'at most 128 characters');

export const registerSchema = z
  .object({
    email: emailSchema,
    password: passwordSchema,
    name: displayName(100).optional(),
    org_name: displayName(100).optional(),
  })
  .strict()
  .openapi('Register');

export const loginSchema = z
  .object({ email: emailSchema, password: z.string().min(1).max(128) })
  .strict()
  .openapi('Login');

export const refreshSchema = z
  .object({ refresh_token: z.string().min(1).max(200).optional().openapi({ description: 'Or the orochi_refresh cookie' }) })
  .strict()
  .openapi('Refresh');

export const logoutSchema = z
  .object({ refresh_token: z.string().min(1).max(200).optional().openapi({ description: 'Or the orochi_refresh cookie' }) })
  .strict()
  .openapi('Logout');

export const forgotPasswordSchema = z.object({ email: emailSchema }).strict().openapi('ForgotPassword');
export const resetPasswordSchema = z
  .object({ token: z.string().min(10).max(200), password: passwordSchema })
  .strict()
  .openapi('ResetPassword');
export const changePasswordSchema = z
  .object({ current_password: z.string().min(1).max(128), new_password: passwordSchema })
  .strict()
  .openapi('ChangePassword');
export const verifyEmailSchema = z.object({ token: z.string().min(10).max(200) }).strict().openapi('VerifyEmail');

/** The answer of calls whose effect is out of band (a mail sent) or needs no body. */
export const okSchema = z.object({ ok: z.literal(true) }).openapi('Ok');

export const emailVerifiedSchema = z.object({ user: userSchema }).openapi('EmailVerified');

export const tokenPairSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().openapi({ description: 'Seconds until the access token expires' }),
  })
  .openapi('TokenPair');
export type TokenPair = z.infer<typeof tokenPairSchema>;

export const sessionSchema = tokenPairSchema.extend({ user: userSchema }).openapi('Session');

export const registrationSchema = sessionSchema
  .extend({ organization: organizationSchema, project: projectSchema })
  .openapi('Registration');

export const meSchema = z
  .object({ user: userSchema, organizations: z.array(organizationSchema), current_org_id: z.string().nullable() })
  .openapi('Me');
