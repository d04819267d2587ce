import { z } from '@hono/zod-openapi';
import { PERMISSIONS } from '../../core/identity/rbac.ts';
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from '../../core/identity/api-keys.ts';
import { displayName, idParam, idSchema, listQuerySchema, listResponse, roleSchema, timestamp } from './common.ts';

export const permissionSchema = z.enum(PERMISSIONS).openapi('Permission');

export const apiKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
    org_id: z.string(),
    project_id: z.string().nullable().openapi({ description: 'Set for a key limited to one project' }),
    name: z.string(),
    prefix: z.string().openapi({ description: 'The start of the secret, to recognise it by', example: 'oro_k3v9x2ab' }),
    role: roleSchema.nullable().openapi({ description: 'The role the key acts with; null when it has an explicit permission list' }),
    permissions: z.array(permissionSchema).openapi({ description: 'What the key may do: its role’s permissions, or its explicit list' }),
    status: z.enum(['active', 'expired', 'revoked']),
    created_by: z.object({ id: z.string(), email: z.string().nullable() }),
    created_at: timestamp,
    expires_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
    last_used_at: timestamp.nullable(),
    last_used_ip: z.string().nullable(),
    previous_secret_expires_at: timestamp
      .nullable()
      .openapi({ description: 'After a rotation with a grace period: until when the previous secret is still accepted' }),
  })
  .openapi('ApiKey');
export type ApiKey = z.infer<typeof apiKeySchema>;

const secretSchema = z.string().openapi({
  description: 'The secret, shown this once: send it as `Authorization: Bearer <secret>`. Only its hash is kept.',
  example: 'oro_k3v9x2ab_4hT0qZr8Vx2mNc7LpW1sYb5KdE9fGj3HuA6iR0oXt2v',
});

export const createApiKeySchema = z
  .object({
    name: displayName(100),
    org_id: idSchema.optional().openapi({ description: 'Defaults to the organization of the session' }),
    project_id: idSchema.optional().openapi({ description: 'Limit the key to one project of the organization' }),
    role: roleSchema.optional().openapi({ description: 'admin, developer, viewer or billing, never above your own role; or give permissions' }),
    permissions: z
      .array(permissionSchema)
      .min(1)
      .max(PERMISSIONS.length)
      .optional()
      .openapi({ description: 'An explicit list, each one you hold yourself; or give role' }),
    expires_at: z.string().datetime({ offset: true }).optional().openapi({ description: 'When the key stops working; none by default' }),
  })
  .strict()
  .refine((body) => (body.role === undefined) !== (body.permissions === undefined), { message: 'Give either role or permissions', path: ['role'] })
  .openapi('CreateApiKey');

export const rotateApiKeySchema = z
  .object({
    grace_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .default(DEFAULT_GRACE_SECONDS)
      .openapi({ description: 'How long the old secret keeps working: default 86400 (24 h), at most 604800 (7 days), 0 for not at all' }),
  })
  .strict()
  .openapi('RotateApiKey');

export const apiKeyResponseSchema = z.object({ api_key: apiKeySchema }).openapi('ApiKeyResponse');
export const apiKeyWithSecretSchema = z.object({ api_key: apiKeySchema, secret: secretSchema }).openapi('ApiKeyWithSecret');
export const apiKeyListSchema = listResponse(apiKeySchema).openapi('ApiKeyList');

export const apiKeyListQuerySchema = listQuerySchema.extend({
  org_id: idSchema
    .optional()
    .openapi({ param: { name: 'org_id', in: 'query' }, description: 'Defaults to the organization of the session' }),
});

export const apiKeyParamsSchema = z.object({ id: idParam('id', 'key_01jd3k5x8r2m9q7v4w6y0z1a2b') });
