// Clusters, operations and events: the API's shapes, shared by the routes, the CLI and the dashboard.
import { z } from '@hono/zod-openapi';
import { engines, regionStatuses, tiers } from '../../protocol/enums.ts';
import { clusterEventSchema, clusterSchema, clusterStatusSchema, healthSchema, operationSchema } from '../../protocol/resources.ts';
import { clusterSizes } from '../../protocol/sizes.ts';
import { CRON_PATTERN, DEFAULT_BACKUP_SPEC } from '../../protocol/agent.ts';
import {
  BACKUP_RETENTION_MAX_DAYS,
  BACKUP_RETENTION_MIN_DAYS,
  CLUSTER_NAME_MAX,
  CLUSTER_NAME_MIN,
  CLUSTER_NAME_PATTERN,
  CLUSTER_PASSWORD_MAX,
  CLUSTER_PASSWORD_MIN,
  CLUSTER_PASSWORD_PATTERN,
  DEFAULT_POSTGRES_VERSION,
  DEFAULT_STORAGE_GB,
  INSTANCES_MAX,
  INSTANCES_MIN,
  postgresVersions,
  STORAGE_MAX_GB,
  STORAGE_MIN_GB,
} from '../../protocol/cluster-rules.ts';
import { idSchema, listQuerySchema, listResponse, timestamp } from './common.ts';

export { postgresVersions };

export const clusterNameSchema = z
  .string()
  .min(CLUSTER_NAME_MIN, `at least ${CLUSTER_NAME_MIN} characters`)
  .max(CLUSTER_NAME_MAX, `at most ${CLUSTER_NAME_MAX} characters`)
  .regex(CLUSTER_NAME_PATTERN, 'lowercase letters, digits and hyphens, not starting or ending with a hyphen');

export const clusterSettingsSchema = z
  .object({
    /** Idle seconds before a serverless cluster sleeps; 0 never sleeps. */
    suspend_timeout_seconds: z.number().int().min(0).max(604_800).optional(),
    min_cu: z.number().min(0.25).max(32).optional(),
    max_cu: z.number().min(0.25).max(32).optional(),
    backup_schedule: z
      .string()
      .regex(CRON_PATTERN, 'a five-field cron expression in UTC, e.g. "0 3 * * *"')
      .optional()
      .openapi({ description: `When scheduled backups run (cron, UTC); default "${DEFAULT_BACKUP_SPEC.schedule}" (daily)` }),
    backup_retention_days: z
      .number()
      .int()
      .min(BACKUP_RETENTION_MIN_DAYS)
      .max(BACKUP_RETENTION_MAX_DAYS)
      .optional()
      .openapi({ description: `Days backups and archived WAL are kept; default ${DEFAULT_BACKUP_SPEC.retention_days}, at most what the plan allows` }),
  })
  .strict()
  .refine((s) => s.min_cu === undefined || s.max_cu === undefined || s.min_cu <= s.max_cu, {
    message: 'min_cu must not exceed max_cu',
    path: ['min_cu'],
  })
  .openapi('ClusterSettings');

const passwordSchema = z
  .string()
  .min(CLUSTER_PASSWORD_MIN, `at least ${CLUSTER_PASSWORD_MIN} characters`)
  .max(CLUSTER_PASSWORD_MAX, `at most ${CLUSTER_PASSWORD_MAX} characters`)
  .regex(CLUSTER_PASSWORD_PATTERN, 'printable ASCII without spaces');

/** A point of a cluster's history: one of its backups, or a time in its restore window; neither is the newest point. */
const historyPointFields = {
  backup_id: idSchema.optional().openapi({ description: 'One of its completed backups' }),
  target_time: timestamp.optional().openapi({ description: 'A time in its restore window (GET /v1/clusters/{id}/restore-window)' }),
};
const notBoth = (point: { backup_id?: string; target_time?: string }) => point.backup_id === undefined || point.target_time === undefined;

export const clusterSourceSchema = z
  .object({ cluster_id: idSchema, ...historyPointFields })
  .strict()
  .refine(notBoth, { message: 'give backup_id or target_time, not both', path: ['target_time'] })
  .openapi('ClusterSource', { description: "Makes the new cluster a branch of another cluster's history (default: its newest point)" });

export const restoreClusterSchema = z
  .object({
    ...historyPointFields,
    preserve: z
      .boolean()
      .default(true)
      .openapi({ description: 'Keep the state before the restore as a branch of the cluster (it counts towards the plan\'s clusters)' }),
  })
  .strict()
  .refine((b) => (b.backup_id === undefined) !== (b.target_time === undefined), { message: 'give exactly one of backup_id and target_time', path: ['backup_id'] })
  .openapi('RestoreCluster');

export const restoreResponseSchema = z
  .object({
    cluster: clusterSchema,
    operation: operationSchema,
    preserved_branch: clusterSchema.nullable().openapi({ description: 'The branch holding the state before the restore (null with preserve: false)' }),
  })
  .openapi('ClusterRestore');

export const createClusterSchema = z
  .object({
    name: clusterNameSchema,
    project_id: idSchema.optional().openapi({ description: "Defaults to the session organization's oldest project" }),
    region_id: idSchema.optional().openapi({ description: "Required, except for a branch, which is made in its source's region" }),
    source: clusterSourceSchema.optional(),
    engine: z.enum(engines).default('postgres'),
    version: z.enum(postgresVersions).default(DEFAULT_POSTGRES_VERSION),
    tier: z.enum(tiers).default('dedicated'),
    size: z.enum(clusterSizes).default('dev'),
    instances: z.number().int().min(INSTANCES_MIN).max(INSTANCES_MAX).default(1),
    storage_gb: z.number().int().min(STORAGE_MIN_GB).max(STORAGE_MAX_GB).default(DEFAULT_STORAGE_GB),
    password: passwordSchema.optional().openapi({ description: 'Generated when omitted; readable later with reveal=true' }),
    settings: clusterSettingsSchema.optional(),
  })
  .strict()
  .refine((b) => b.region_id !== undefined || b.source !== undefined, { message: 'region_id is required', path: ['region_id'] })
  .openapi('CreateCluster');

export const updateClusterSchema = z
  .object({
    size: z.enum(clusterSizes).optional(),
    instances: z.number().int().min(INSTANCES_MIN).max(INSTANCES_MAX).optional(),
    storage_gb: z.number().int().min(STORAGE_MIN_GB).max(STORAGE_MAX_GB).optional(),
    settings: clusterSettingsSchema.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one of size, instances, storage_gb, settings')
  .openapi('UpdateCluster');

export const rotatePasswordSchema = z
  .object({ password: passwordSchema.optional() })
  .strict()
  .openapi('RotatePassword');

export const deleteClusterQuerySchema = z.object({
  purge_backups: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ param: { name: 'purge_backups', in: 'query' }, description: 'Remove its backups and archived WAL too, instead of keeping them for its retention period' }),
});

export const mutationResponseSchema = z.object({ cluster: clusterSchema, operation: operationSchema }).openapi('ClusterMutation');

export const clusterListQuerySchema = listQuerySchema.extend({
  project_id: idSchema.optional().openapi({ param: { name: 'project_id', in: 'query' } }),
  region_id: idSchema.optional().openapi({ param: { name: 'region_id', in: 'query' } }),
  status: clusterStatusSchema.optional().openapi({ param: { name: 'status', in: 'query' } }),
  engine: z.enum(engines).optional().openapi({ param: { name: 'engine', in: 'query' } }),
  search: z.string().max(63).optional().openapi({ param: { name: 'search', in: 'query' }, description: 'Part of the name' }),
  org_id: idSchema.optional().openapi({ param: { name: 'org_id', in: 'query' } }),
});

export const clusterListSchema = listResponse(clusterSchema).openapi('ClusterList');
export const operationListSchema = listResponse(operationSchema).openapi('OperationList');
export const eventListSchema = listResponse(clusterEventSchema).openapi('ClusterEventList');

export const connectionFormats = ['uri', 'psql', 'env', 'node', 'python'] as const;
export const connectionQuerySchema = z.object({
  format: z.enum(connectionFormats).default('uri').openapi({ param: { name: 'format', in: 'query' } }),
  reveal: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .openapi({ param: { name: 'reveal', in: 'query' }, description: 'Include the password (needs a role that may see it)' }),
});

export const connectionSchema = z
  .object({
    format: z.enum(connectionFormats),
    host: z.string(),
    port: z.number().int(),
    database: z.string(),
    username: z.string(),
    password: z.string().nullable().openapi({ description: 'Only with reveal=true' }),
    value: z.string().openapi({ description: 'The connection string or snippet in the requested format' }),
  })
  .openapi('Connection');

export const healthReportSchema = z
  .object({
    cluster_id: z.string(),
    status: clusterStatusSchema,
    health: healthSchema,
    ready_instances: z.number().int(),
    instances: z.number().int(),
    generation: z.number().int(),
    observed_generation: z.number().int(),
    in_sync: z.boolean(),
    message: z.string().nullable(),
    last_report_at: timestamp.nullable(),
    region_status: z.enum(regionStatuses),
  })
  .openapi('ClusterHealthReport');

export const clusterParamsSchema = z.object({
  id: idSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'cl_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
});
export const operationParamsSchema = z.object({
  id: idSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'op_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
});
export const operationListQuerySchema = listQuerySchema.extend({
  cluster_id: idSchema.optional().openapi({ param: { name: 'cluster_id', in: 'query' } }),
  org_id: idSchema.optional().openapi({ param: { name: 'org_id', in: 'query' } }),
});
export const rotatedPasswordSchema = mutationResponseSchema.extend({ password: z.string() }).openapi('RotatedPassword');

export const clusterSummarySchema = z
  .object({
    total: z.number().int().openapi({ description: 'Clusters not deleted' }),
    by_status: z.partialRecord(clusterStatusSchema, z.number().int()).openapi({ description: 'Clusters per status (deleted ones excluded)' }),
    storage_gb: z.number().int().openapi({ description: 'Storage provisioned across the clusters, in GB' }),
    running_vcpu: z.number().openapi({ description: 'vCPUs of the running clusters (size x instances)' }),
    running_memory_gb: z.number().openapi({ description: 'Memory of the running clusters (size x instances), in GB' }),
    created_last_7_days: z.number().int(),
  })
  .openapi('ClusterSummary');
