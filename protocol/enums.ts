// Every enumeration the product's processes share, once: the catalog's columns (drizzle), the zod schemas of the
// API and the agent protocol, the CLI and the dashboard all take their values from these arrays. Free of zod, so
// the dashboard ships them to browsers as they are.

/** What a cluster is doing, as the API reports it. */
export const clusterStatuses = ['provisioning', 'running', 'updating', 'sleeping', 'waking', 'deleting', 'deleted', 'failed'] as const;
export type ClusterStatus = (typeof clusterStatuses)[number];

export const clusterHealths = ['healthy', 'degraded', 'unhealthy', 'unknown'] as const;
export type Health = (typeof clusterHealths)[number];

/** What the user asked a cluster to be; the agent converges it there. */
export const desiredStates = ['running', 'sleeping', 'deleted'] as const;
export type DesiredState = (typeof desiredStates)[number];

/** What an agent observes of a cluster. */
export const observedPhases = ['provisioning', 'running', 'updating', 'sleeping', 'waking', 'deleting', 'deleted', 'failed'] as const;
export type ObservedPhase = (typeof observedPhases)[number];

export const clusterActions = ['create', 'update', 'resize', 'sleep', 'wake', 'delete', 'rotate_password', 'backup', 'restore', 'branch'] as const;
export type ClusterAction = (typeof clusterActions)[number];

export const operationStatuses = ['pending', 'running', 'finished', 'failed', 'cancelled'] as const;
export type OperationStatus = (typeof operationStatuses)[number];
/** Operations still to end: at most one per cluster. */
export const inFlightOperationStatuses = ['pending', 'running'] as const satisfies readonly OperationStatus[];

export const engines = ['postgres', 'nats'] as const;
export type Engine = (typeof engines)[number];

export const tiers = ['dedicated', 'serverless'] as const;
export type Tier = (typeof tiers)[number];

export const roles = ['owner', 'admin', 'developer', 'viewer', 'billing'] as const;
export type Role = (typeof roles)[number];

export const plans = ['free', 'pro', 'team', 'enterprise'] as const;
export type Plan = (typeof plans)[number];

export const regionDrivers = ['kubernetes', 'local'] as const;
export type RegionDriver = (typeof regionDrivers)[number];

/** 'shared': offered to every organization by the platform operator; 'org': an organization's own data plane. */
export const regionVisibilities = ['shared', 'org'] as const;
export type RegionVisibility = (typeof regionVisibilities)[number];

export const regionStatuses = ['online', 'offline', 'pending'] as const;
export type RegionStatus = (typeof regionStatuses)[number];

/**
 * Why a backup was taken: asked for ("Back up now"), by the cluster's schedule, or by the region itself as the first
 * backup of a branch or of a cluster restored in place (its own restorable history starts there).
 */
export const backupKinds = ['manual', 'scheduled', 'automatic'] as const;
export type BackupKind = (typeof backupKinds)[number];

export const backupStatuses = ['pending', 'running', 'completed', 'failed', 'deleted'] as const;
export type BackupStatus = (typeof backupStatuses)[number];

/**
 * What the agent samples of a running cluster every 10 s, and the series GET /v1/clusters/{id}/metrics serves. Rates
 * are per second over the sampling interval; replication lag exists only with more than one instance.
 */
export const metricSeries = [
  'cpu_percent',
  'memory_bytes',
  'connections_active',
  'connections_idle',
  'connections_max',
  'transactions_per_second',
  'cache_hit_ratio',
  'database_size_bytes',
  'replication_lag_seconds',
] as const;
export type MetricSeries = (typeof metricSeries)[number];

/** A cluster's health over time: probes answered (up) or not (down), asleep while it sleeps, unknown while unheard. */
export const healthStates = ['up', 'down', 'asleep', 'unknown'] as const;
export type HealthState = (typeof healthStates)[number];

/** PostgreSQL's severities folded to five (DEBUG1-5 are debug, LOG/INFO/NOTICE are info, PANIC is fatal). */
export const logLevels = ['debug', 'info', 'warning', 'error', 'fatal'] as const;
export type LogLevel = (typeof logLevels)[number];

/** What the control plane asks of a region's agent about one cluster (protocol/observability.ts has each one's shapes). */
export const requestKinds = ['sql', 'cancel', 'schema', 'insights', 'insights_reset', 'logs', 'logs_follow'] as const;

/**
 * Why a request got no result. From the agent: the cluster is not there or not running, the driver cannot do it, the
 * statement failed (its SQLSTATE in the response), ran past its timeout or was cancelled, the payload was wrong. From
 * the RegionDO: no agent is connected (`region_offline`), or it did not answer in time (`no_answer`).
 */
export const requestErrorCodes = [
  'not_found',
  'not_running',
  'unsupported',
  'sql_error',
  'timeout',
  'cancelled',
  'bad_request',
  'internal',
  'region_offline',
  'no_answer',
] as const;
export type RequestErrorCode = (typeof requestErrorCodes)[number];

/** How query insights are ordered. */
export const insightOrders = ['total_time', 'calls', 'mean_time'] as const;

/**
 * What a role (or an API key's explicit list) may do in an organization: the API checks them (core/identity/rbac.ts
 * maps roles to them), and the dashboard offers them when a key is made.
 */
export const permissions = [
  'org:read',
  'org:update',
  'org:delete',
  'members:read',
  'members:manage',
  'projects:read',
  'projects:write',
  'projects:delete',
  'clusters:read',
  'clusters:write',
  'clusters:reveal_password',
  /** Run SQL on a cluster as its app role (the SQL editor), cancel it, reset its query statistics. */
  'clusters:query',
  'backups:read',
  'backups:write',
  'regions:manage',
  'billing:read',
  'billing:write',
  'audit:read',
  /** Create, rotate and revoke the organization's API keys. */
  'api_keys:manage',
  /** See, create, change and delete the organization's webhook endpoints and their delivery log. */
  'webhooks:manage',
] as const;
export type Permission = (typeof permissions)[number];
