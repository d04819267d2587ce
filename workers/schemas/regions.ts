import { z } from '@hono/zod-openapi';
import { regionDrivers, regionStatuses, regionVisibilities } from '../../protocol/enums.ts';
import { DNS_LABEL_PATTERN } from '../../protocol/cluster-rules.ts';
import { idParam, idSchema, listQuerySchema, listResponse, timestamp } from './common.ts';

// A DNS label, since the name ends up in Kubernetes object names and hostnames: `us-east-1`, `local`.
export const regionNameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(DNS_LABEL_PATTERN, 'lowercase letters, digits and hyphens, not at either end');

export const regionProviderSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lowercase letters, digits and hyphens, not at either end')
  .openapi({ example: 'aws', description: "Where the data plane runs: 'aws', 'gcp', 'azure', 'onprem', 'local' ..." });

export const regionDriverSchema = z.enum(regionDrivers).openapi('RegionDriver');

export const regionSchema = z
  .object({
    id: z.string().openapi({ example: 'rg_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
    org_id: z.string().nullable().openapi({ description: 'The owning organization; null for a shared region' }),
    name: z.string().openapi({ example: 'us-east-1' }),
    provider: z.string(),
    driver: regionDriverSchema,
    visibility: z.enum(regionVisibilities).openapi({ description: "'shared': offered to every organization by the platform operator" }),
    status: z.enum(regionStatuses).openapi({ description: "'pending' until its agent first connects" }),
    agent_version: z.string().nullable(),
    last_seen_at: timestamp.nullable(),
    created_at: timestamp,
  })
  .openapi('Region');
export type Region = z.infer<typeof regionSchema>;

export const createRegionSchema = z
  .object({
    name: regionNameSchema,
    provider: regionProviderSchema,
    driver: regionDriverSchema,
    org_id: idSchema.optional().openapi({ description: 'Defaults to the organization of the session' }),
  })
  .strict()
  .openapi('CreateRegion');

export const regionInstallSchema = z
  .object({
    command: z.string().openapi({ description: 'Run where the agent should live; it embeds the registration token' }),
    manifest_url: z
      .string()
      .nullable()
      .openapi({ description: 'The Kubernetes manifests of the agent (kubernetes driver only); the URL embeds the token' }),
  })
  .openapi('RegionInstall');

export const regionRegistrationSchema = z
  .object({
    region: regionSchema,
    registration_token: z.string().openapi({ description: 'Shown once; single use; expires in 24 hours' }),
    registration_expires_at: timestamp,
    install: regionInstallSchema,
  })
  .openapi('RegionRegistration');

export const regionResponseSchema = z.object({ region: regionSchema }).openapi('RegionResponse');
export const regionListSchema = listResponse(regionSchema).openapi('RegionList');

export const regionListQuerySchema = listQuerySchema.extend({
  org_id: idSchema
    .optional()
    .openapi({ param: { name: 'org_id', in: 'query' }, description: 'Defaults to the organization of the session' }),
});

export const regionParamsSchema = z.object({ id: idParam('id', 'rg_01jd3k5x8r2m9q7v4w6y0z1a2b') });
