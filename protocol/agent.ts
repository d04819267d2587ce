// The agent protocol: every message between the control plane and a region agent, as zod schemas that both
// ends validate with. Messages are JSON over one WebSocket per agent (RegionDO <-> agent). Commands also travel
// on the `orochi-commands` queue (the durable path) on their way into the RegionDO's outbox.
//
// Level-triggered: a command carries the cluster's whole desired spec and state at its generation, not a
// delta, so applying the newest command a cluster has seen converges it whatever came before; an older
// generation than the one applied is ignored, and applying the same command twice is harmless.
import { z } from 'zod';
import { backupKinds, clusterActions, desiredStates, engines, observedPhases, regionDrivers, tiers } from './enums.ts';
import { clusterSizes } from './sizes.ts';
import { healthProbeSchema, logEntrySchema, metricValuesSchema, OBSERVABILITY_LIMITS, requestErrorCodes, requestKinds, sqlErrorSchema } from './observability.ts';
import { BACKUP_RETENTION_MAX_DAYS, BACKUP_RETENTION_MIN_DAYS, CRON_PATTERN, DEFAULT_BACKUP_RETENTION_DAYS, DEFAULT_BACKUP_SCHEDULE } from './cluster-rules.ts';

export { CRON_PATTERN };

export const PROTOCOL_VERSION = 1;

/** Why the control plane closed an agent's socket. */
export const AGENT_CLOSE_CODES = {
  /** A newer connection of the same region took over (one agent per region). */
  replaced: 4000,
  /** The region was deleted: the agent is refused from now on. */
  revoked: 4001,
  /** The agent stopped answering pings. */
  silent: 4002,
  /** Its resync could not be built; reconnecting retries it. */
  resyncFailed: 4003,
} as const;

export const clusterSizeSchema = z.enum(clusterSizes);
export const clusterActionSchema = z.enum(clusterActions);
/** What the cluster should be: the state the agent converges it to. */
export const desiredStateSchema = z.enum(desiredStates);

/**
 * What the agent does about backups of a cluster: its schedule and retention, the newest backup asked for on demand
 * (each id is taken once; level-triggered like the rest of the spec), and backups deleted through the API whose
 * objects it removes from the store.
 */

export const backupSpecSchema = z.object({
  /** Five-field cron (UTC), e.g. '0 3 * * *'. */
  schedule: z.string().max(100).regex(CRON_PATTERN),
  retention_days: z.number().int().min(BACKUP_RETENTION_MIN_DAYS).max(BACKUP_RETENTION_MAX_DAYS),
  requested: z.object({ backup_id: z.string(), requested_at: z.string() }).nullable(),
  deleted_backup_ids: z.array(z.string()).max(100),
  /** Set when the cluster was deleted with purge_backups: its backups and WAL go with it instead of after retention. */
  purge: z.boolean().default(false),
});
export type BackupSpec = z.infer<typeof backupSpecSchema>;

/**
 * A point in a cluster's history: one of its base backups, or a moment (restored from the newest base backup before it
 * and the archived WAL after). Both null: the newest point there is.
 */
export const historyPointSchema = z.object({
  backup_id: z.string().nullable(),
  target_time: z.string().nullable(),
});

export const clusterSourceSchema = historyPointSchema.extend({ cluster_id: z.string() });
export type ClusterSource = z.infer<typeof clusterSourceSchema>;

/**
 * An in-place restore asked of the cluster: its data is replaced by the cluster's own history at the point, once per
 * restore id (level-triggered like the rest of the spec). The pre-restore state is kept by the control plane as a
 * branch at `requested_at`, so the agent archives everything up to then before it stops the server.
 */
export const restoreSpecSchema = historyPointSchema.extend({ restore_id: z.string(), requested_at: z.string() });
export type RestoreSpec = z.infer<typeof restoreSpecSchema>;

export const DEFAULT_BACKUP_SPEC: BackupSpec = {
  schedule: DEFAULT_BACKUP_SCHEDULE,
  retention_days: DEFAULT_BACKUP_RETENTION_DAYS,
  requested: null,
  deleted_backup_ids: [],
  purge: false,
};

export const clusterSpecSchema = z.object({
  name: z.string(),
  org_id: z.string(),
  project_id: z.string(),
  engine: z.enum(engines),
  version: z.string(),
  tier: z.enum(tiers),
  size: clusterSizeSchema,
  instances: z.number().int().min(1).max(5),
  storage_gb: z.number().int().min(1).max(16384),
  settings: z.record(z.string(), z.unknown()),
  state: desiredStateSchema,
  /** The application role and database created in the cluster. */
  database: z.string(),
  username: z.string(),
  /**
   * The role's password, sealed with the region's key (AES-256-GCM, see regionKey in core/regions/region-keys.ts):
   * only that region's agent can open it, and queues and outboxes never hold it in the clear.
   */
  password_sealed: z.string(),
  /** Absent in commands issued before backups existed: they mean the default schedule and nothing asked for. */
  backups: backupSpecSchema.default(DEFAULT_BACKUP_SPEC),
  /**
   * Where a new cluster's data comes from when it is a branch: another cluster's history in the region's object
   * store, at a backup or a point in time (both null: the newest point there is). Read when the cluster is first
   * created; it then archives into its own place, never its source's.
   */
  source: clusterSourceSchema.nullable().default(null),
  restore: restoreSpecSchema.nullable().default(null),
});
export type ClusterSpec = z.infer<typeof clusterSpecSchema>;

export const commandSchema = z.object({
  type: z.literal('command'),
  command_id: z.string(),
  cluster_id: z.string(),
  region_id: z.string(),
  operation_id: z.string().nullable(),
  generation: z.number().int().min(1),
  action: clusterActionSchema,
  spec: clusterSpecSchema,
  issued_at: z.string(),
});
export type Command = z.infer<typeof commandSchema>;

export const endpointSchema = z.object({ host: z.string(), port: z.number().int().min(1).max(65535) });
export type Endpoint = z.infer<typeof endpointSchema>;

/** What the agent observes of a cluster. */
export const observedPhaseSchema = z.enum(observedPhases);

// ---- control plane -> agent ----

export const resyncSchema = z.object({
  type: z.literal('resync'),
  /** The newest command of every cluster whose desired generation is ahead of what the agent applied. */
  commands: z.array(commandSchema),
  /** Every cluster the region should have; anything else the agent holds is an orphan to report. */
  known_cluster_ids: z.array(z.string()),
});

/**
 * Something asked of one cluster on a user's behalf, answered by one `response` with the same id. The payload is the
 * kind's (requestContracts in observability.ts), validated by the agent before it acts.
 */
export const requestSchema = z.object({
  type: z.literal('request'),
  id: z.string().max(64),
  cluster_id: z.string(),
  kind: z.enum(requestKinds),
  payload: z.record(z.string(), z.unknown()),
});
export type AgentRequest = z.infer<typeof requestSchema>;

export const pingSchema = z.object({ type: z.literal('ping'), id: z.string(), at: z.string() });

export const controlMessageSchema = z.discriminatedUnion('type', [commandSchema, resyncSchema, requestSchema, pingSchema]);
export type ControlMessage = z.infer<typeof controlMessageSchema>;

// ---- agent -> control plane ----

export const helloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  agent_version: z.string(),
  driver: z.enum(regionDrivers),
  /** The generation the agent has applied, per cluster it holds. */
  clusters: z.array(z.object({ cluster_id: z.string(), generation: z.number().int().min(0) })),
});
export type Hello = z.infer<typeof helloSchema>;

export const ackSchema = z.object({ type: z.literal('ack'), command_id: z.string() });

export const statusSchema = z.object({
  type: z.literal('status'),
  cluster_id: z.string(),
  /** The generation this observation reflects (the newest one the agent applied). */
  observed_generation: z.number().int().min(0),
  phase: observedPhaseSchema,
  ready_instances: z.number().int().min(0),
  instances: z.number().int().min(0),
  endpoint: endpointSchema.nullable(),
  message: z.string().max(2000),
  at: z.string(),
});
export type AgentStatus = z.infer<typeof statusSchema>;

export const eventSchema = z.object({
  type: z.literal('event'),
  cluster_id: z.string(),
  event_type: z.string().max(64),
  message: z.string().max(2000),
  at: z.string(),
});
export type AgentEvent = z.infer<typeof eventSchema>;

/**
 * A backup of a cluster as the agent took it, sent as it starts, when it ends, and again on every new connection
 * until the control plane holds the outcome. Sizes are the bytes stored (compressed); LSNs and times bound the WAL
 * the backup needs to be consistent.
 */
export const backupReportSchema = z.object({
  type: z.literal('backup'),
  cluster_id: z.string(),
  backup_id: z.string(),
  kind: z.enum(backupKinds),
  /** `deleted`: the region removed its objects (retention, or a deletion through the API). */
  status: z.enum(['running', 'completed', 'failed', 'deleted']),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  size_bytes: z.number().int().min(0).nullable(),
  begin_lsn: z.string().max(32).nullable(),
  end_lsn: z.string().max(32).nullable(),
  begin_time: z.string().nullable(),
  end_time: z.string().nullable(),
  error: z.string().max(2000).nullable(),
  at: z.string(),
});
export type BackupReport = z.infer<typeof backupReportSchema>;

/**
 * What a cluster's history in the object store can be restored to, sent whenever it changes and on every new
 * connection: from its oldest base backup to the newest archived WAL (or, without WAL archiving, the newest backup's
 * end). `point_in_time` false means only the backups themselves can be restored to, and `limitation` says why.
 */
export const restoreWindowSchema = z.object({
  type: z.literal('restore_window'),
  cluster_id: z.string(),
  earliest: z.string().nullable(),
  latest: z.string().nullable(),
  point_in_time: z.boolean(),
  limitation: z.string().max(500).nullable(),
  /** A break in the archived WAL, for people: restores cannot cross it. Null when the archive is whole. */
  wal_gap: z.string().max(500).nullable(),
  at: z.string(),
});
export type RestoreWindowReport = z.infer<typeof restoreWindowSchema>;

/** One sample of a running cluster, every OBSERVABILITY_LIMITS.metricsIntervalMs. */
export const metricsSchema = z.object({
  type: z.literal('metrics'),
  cluster_id: z.string(),
  at: z.string(),
  values: metricValuesSchema,
});
export type MetricsReport = z.infer<typeof metricsSchema>;

/** One probe of a cluster the agent runs (connect and `select 1`), every OBSERVABILITY_LIMITS.healthIntervalMs. */
export const healthSchema = healthProbeSchema.extend({
  type: z.literal('health'),
  cluster_id: z.string(),
  at: z.string(),
});
export type HealthReport = z.infer<typeof healthSchema>;

/** New lines of a followed cluster's server log, oldest first, the app password never among them. */
export const logsSchema = z.object({
  type: z.literal('logs'),
  cluster_id: z.string(),
  entries: z.array(logEntrySchema).min(1).max(OBSERVABILITY_LIMITS.logBatchMax),
});
export type LogsReport = z.infer<typeof logsSchema>;

/**
 * The answer to a `request`: its kind's result, or why not. A failed statement carries the server's error in
 * `sql_error` (code `sql_error`); `error` is for people and never holds a password or a statement's parameters.
 */
export const responseSchema = z.object({
  type: z.literal('response'),
  id: z.string(),
  ok: z.boolean(),
  result: z.unknown().optional(),
  code: z.enum(requestErrorCodes).optional(),
  error: z.string().max(2000).optional(),
  sql_error: sqlErrorSchema.optional(),
});
export type AgentResponse = z.infer<typeof responseSchema>;

export const pongSchema = z.object({ type: z.literal('pong'), id: z.string() });

export const agentMessageSchema = z.discriminatedUnion('type', [
  helloSchema,
  ackSchema,
  statusSchema,
  eventSchema,
  backupReportSchema,
  restoreWindowSchema,
  metricsSchema,
  healthSchema,
  logsSchema,
  responseSchema,
  pongSchema,
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;
