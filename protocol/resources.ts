// The API's shapes of a cluster, its operations and its events: what the REST API answers, what realtime
// subscribers receive in `cluster.status`, `operation.updated` and `cluster.event`, and what the CLI and the
// dashboard read. Plain zod; `.meta({ id })` names each as a component of the OpenAPI document.
import { z } from 'zod';
import { backupKinds, backupStatuses, clusterActions, clusterHealths, clusterStatuses, engines, operationStatuses, tiers } from './enums.ts';
import { clusterSizes } from './sizes.ts';

export const timestampSchema = z.string().datetime().meta({ example: '2026-11-21T12:00:00.000Z' });

export const clusterStatusSchema = z.enum(clusterStatuses).meta({ id: 'ClusterStatus' });
export const healthSchema = z.enum(clusterHealths).meta({ id: 'ClusterHealth' });
export const operationStatusSchema = z.enum(operationStatuses).meta({ id: 'OperationStatus' });

export const clusterSchema = z
  .object({
    id: z.string().meta({ example: 'cl_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
    org_id: z.string(),
    project_id: z.string(),
    name: z.string(),
    engine: z.enum(engines),
    version: z.string(),
    region_id: z.string(),
    tier: z.enum(tiers),
    size: z.enum(clusterSizes),
    instances: z.number().int(),
    ready_instances: z.number().int(),
    storage_gb: z.number().int(),
    status: clusterStatusSchema,
    health: healthSchema,
    status_message: z.string().nullable(),
    endpoint: z.object({ host: z.string(), port: z.number().int() }).nullable(),
    database: z.string(),
    username: z.string(),
    generation: z.number().int(),
    observed_generation: z.number().int(),
    settings: z.record(z.string(), z.unknown()),
    parent_id: z.string().nullable().meta({ description: 'The cluster this one branched from (or was preserved from by a restore); null for a root' }),
    source: z
      .object({ cluster_id: z.string(), backup_id: z.string().nullable(), target_time: timestampSchema.nullable() })
      .nullable()
      .meta({ description: "The point of the parent's history the branch was made from (both null: the newest point then)" }),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Cluster' });
export type Cluster = z.infer<typeof clusterSchema>;

export const operationSchema = z
  .object({
    id: z.string().meta({ example: 'op_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
    cluster_id: z.string(),
    action: z.enum(clusterActions),
    status: operationStatusSchema,
    generation: z.number().int(),
    error: z.string().nullable(),
    status_message: z.string().nullable().meta({
      description: "Why an operation in flight is not moving, e.g. waiting for the region's agent while it is offline; null while it progresses",
    }),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    duration_ms: z.number().int().nullable(),
  })
  .meta({ id: 'Operation' });
export type Operation = z.infer<typeof operationSchema>;

export const clusterEventSchema = z
  .object({ id: z.string(), cluster_id: z.string(), type: z.string(), message: z.string(), created_at: timestampSchema })
  .meta({ id: 'ClusterEvent' });
export type ClusterEvent = z.infer<typeof clusterEventSchema>;

export const backupSchema = z
  .object({
    id: z.string().meta({ example: 'bk_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
    cluster_id: z.string(),
    kind: z.enum(backupKinds),
    status: z.enum(backupStatuses),
    operation_id: z.string().nullable(),
    started_at: timestampSchema.nullable(),
    finished_at: timestampSchema.nullable(),
    duration_ms: z.number().int().nullable(),
    size_bytes: z.number().int().nullable().meta({ description: 'Bytes stored in the object store (compressed)' }),
    begin_lsn: z.string().nullable(),
    end_lsn: z.string().nullable(),
    begin_time: timestampSchema.nullable(),
    end_time: timestampSchema.nullable().meta({ description: 'The earliest time this backup can restore to' }),
    error: z.string().nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Backup' });
export type Backup = z.infer<typeof backupSchema>;

export const restoreWindowSchema = z
  .object({
    cluster_id: z.string(),
    earliest: timestampSchema.nullable().meta({ description: 'The earliest time a restore or branch can target; null before the first backup' }),
    latest: timestampSchema.nullable().meta({ description: 'The newest; archived WAL lags the server by at most 60 s, and a branch at "now" archives first' }),
    point_in_time: z.boolean().meta({ description: 'Times between can be targeted; false: only the backups themselves (limitation says why)' }),
    limitation: z.string().nullable(),
    wal_gap: z.string().nullable().meta({ description: 'A break in the archived WAL the region found; restores cannot cross it' }),
  })
  .meta({ id: 'RestoreWindow' });
export type RestoreWindow = z.infer<typeof restoreWindowSchema>;
