// What a cluster tells about itself and what can be asked of it: the metrics the agent samples, its health probes,
// its server log, and the requests the control plane sends on a user's behalf (SQL, schema, insights, log history,
// log following) with their answers. Shared by the agent (which produces them), the control plane (which validates,
// stores and serves them), the CLI and the dashboard (which read the API's shapes built from these).
//
// Requests travel as the agent protocol's `request` (kind + payload) and are answered by one `response` with the same
// id: `ok` with a result of the kind's result schema, or not ok with a code from `requestErrorCodes`, a message, and
// for SQL errors the server's SQLSTATE, position and hint.
import { z } from 'zod';
import { healthStates, logLevels, metricSeries, requestKinds, requestErrorCodes, insightOrders } from './enums.ts';

export { healthStates, logLevels, metricSeries, requestKinds, requestErrorCodes, insightOrders };

/** Limits every end checks: the API's bounds, the agent's defaults, the agent's caps on what it keeps and returns. */
export const OBSERVABILITY_LIMITS = {
  /** The agent samples each running cluster this often. */
  metricsIntervalMs: 10_000,
  /** ... and probes it (connect, `select 1`) this often. */
  healthIntervalMs: 30_000,
  statementTimeoutDefaultMs: 30_000,
  statementTimeoutMaxMs: 5 * 60_000,
  rowLimitDefault: 1_000,
  rowLimitMax: 10_000,
  /** A statement's text, in characters. */
  sqlMaxChars: 100_000,
  paramsMax: 100,
  /** Bytes of result the agent returns (JSON); past it the rows are cut and `truncated` is set. */
  resultMaxBytes: 8 * 1024 * 1024,
  /** Log lines the agent keeps per cluster, newest last; a history read returns at most logLimitMax of them. */
  logWindowLines: 5_000,
  logLimitDefault: 200,
  logLimitMax: 1_000,
  logMessageMaxChars: 8_192,
  /** Log lines in one `logs` message. */
  logBatchMax: 500,
  insightsLimitDefault: 50,
  insightsLimitMax: 500,
  /** How much of a statement's text is audited (never its parameters). */
  auditedSqlChars: 200,
} as const;

// ---- metrics ----

/**
 * One sample of a cluster, name -> value. Rates (transactions per second, CPU %) are over the time since the previous
 * sample; a series the driver cannot read is left out rather than sent as zero.
 */
export const metricValuesSchema = z.partialRecord(z.enum(metricSeries), z.number().finite());
export type MetricValues = z.infer<typeof metricValuesSchema>;

/** The API's answer to GET /v1/clusters/{id}/metrics: columns, one timestamp per step (Unix seconds), null where no point. */
export const metricsResponseSchema = z
  .object({
    cluster_id: z.string(),
    from: z.string().datetime(),
    to: z.string().datetime(),
    step_seconds: z.number().int(),
    timestamps: z.array(z.number().int()),
    series: z.partialRecord(z.enum(metricSeries), z.array(z.number().nullable())),
  })
  .meta({ id: 'ClusterMetrics' });
export type MetricsResponse = z.infer<typeof metricsResponseSchema>;

// ---- health ----

export const healthProbeSchema = z.object({
  ok: z.boolean(),
  /** Connect plus `select 1`, in milliseconds; null when it failed. */
  latency_ms: z.number().min(0).nullable(),
  error: z.string().max(500).nullable(),
});

export const healthIntervalSchema = z.object({
  state: z.enum(healthStates),
  from: z.string().datetime(),
  to: z.string().datetime(),
});

export const healthHistorySchema = z
  .object({
    cluster_id: z.string(),
    from: z.string().datetime(),
    to: z.string().datetime(),
    /** Up, down or asleep over [from, to], oldest first; `unknown` where nothing was heard (agent offline). */
    intervals: z.array(healthIntervalSchema),
    /** Probe latency (ms) at each probe's time (Unix seconds); null where a probe failed. */
    latency: z.object({ timestamps: z.array(z.number().int()), values: z.array(z.number().nullable()) }),
    /** Share of probed, awake time that was up (0..1) over the last 24 h, 7 d and 30 d; null with nothing probed. */
    uptime: z.object({ '24h': z.number().nullable(), '7d': z.number().nullable(), '30d': z.number().nullable() }),
  })
  .meta({ id: 'ClusterHealthHistory' });
export type HealthHistory = z.infer<typeof healthHistorySchema>;

// ---- logs ----

export const logEntrySchema = z
  .object({
    at: z.string().datetime(),
    level: z.enum(logLevels),
    message: z.string().max(OBSERVABILITY_LIMITS.logMessageMaxChars),
    /** SQLSTATE of an error line, when the server wrote one. */
    sqlstate: z.string().max(5).nullable().default(null),
  })
  .meta({ id: 'LogEntry' });
export type LogEntry = z.infer<typeof logEntrySchema>;

// ---- requests ----

export const sqlRequestSchema = z.object({
  /** Issued by the control plane; DELETE /v1/queries/{id} cancels the statement through it. */
  query_id: z.string().max(64),
  sql: z.string().min(1).max(OBSERVABILITY_LIMITS.sqlMaxChars),
  params: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).max(OBSERVABILITY_LIMITS.paramsMax).default([]),
  read_only: z.boolean().default(false),
  timeout_ms: z.number().int().min(1).max(OBSERVABILITY_LIMITS.statementTimeoutMaxMs),
  row_limit: z.number().int().min(1).max(OBSERVABILITY_LIMITS.rowLimitMax),
});
export type SqlRequest = z.infer<typeof sqlRequestSchema>;

export const queryColumnSchema = z.object({
  name: z.string(),
  /** PostgreSQL's name of the type (`int4`, `text`, `timestamptz`, `_int4` for arrays ...). */
  type: z.string(),
  type_oid: z.number().int(),
});

export const queryResultSchema = z
  .object({
    query_id: z.string(),
    /** The command tag's verb (SELECT, INSERT, CREATE TABLE ...) of the last statement. */
    command: z.string().nullable(),
    columns: z.array(queryColumnSchema),
    /** Values as JSON: numbers for int2/int4/float, strings for int8/numeric/dates and the rest, as PostgreSQL prints them. */
    rows: z.array(z.array(z.unknown())),
    /** Rows the statement returned or touched; with `truncated`, rows returned is row_limit (or fewer, at the byte cap). */
    row_count: z.number().int().nullable(),
    truncated: z.boolean(),
    duration_ms: z.number(),
  })
  .meta({ id: 'QueryResult' });
export type QueryResult = z.infer<typeof queryResultSchema>;

/** A statement's failure as PostgreSQL reported it; position is 1-based in characters of the statement. */
export const sqlErrorSchema = z
  .object({
    sqlstate: z.string().max(5),
    message: z.string(),
    position: z.number().int().nullable(),
    hint: z.string().nullable(),
    detail: z.string().nullable(),
  })
  .meta({ id: 'SqlError' });
export type SqlError = z.infer<typeof sqlErrorSchema>;

export const cancelRequestSchema = z.object({ query_id: z.string().max(64) });
export const cancelResultSchema = z.object({ cancelled: z.boolean() });

export const schemaColumnSchema = z.object({
  name: z.string(),
  type: z.string(),
  nullable: z.boolean(),
  default: z.string().nullable(),
});
export const schemaIndexSchema = z.object({ name: z.string(), definition: z.string(), unique: z.boolean(), primary: z.boolean() });
export const schemaForeignKeySchema = z.object({
  name: z.string(),
  columns: z.array(z.string()),
  references: z.object({ schema: z.string(), table: z.string(), columns: z.array(z.string()) }),
});
export const schemaTableSchema = z.object({
  schema: z.string(),
  name: z.string(),
  /** The planner's estimate (pg_class.reltuples); -1 when the table was never analyzed. */
  row_estimate: z.number(),
  /** Table, indexes and TOAST. */
  size_bytes: z.number(),
  columns: z.array(schemaColumnSchema),
  indexes: z.array(schemaIndexSchema),
  foreign_keys: z.array(schemaForeignKeySchema),
});
export const schemaViewSchema = z.object({ schema: z.string(), name: z.string(), materialized: z.boolean(), columns: z.array(schemaColumnSchema) });
export const databaseSchemaSchema = z
  .object({
    /** Schemas the app role can see, without pg_catalog, information_schema and pg_toast. */
    schemas: z.array(z.object({ name: z.string(), owner: z.string() })),
    tables: z.array(schemaTableSchema),
    views: z.array(schemaViewSchema),
    extensions: z.array(z.object({ name: z.string(), version: z.string(), schema: z.string() })),
  })
  .meta({ id: 'DatabaseSchema' });
export type DatabaseSchema = z.infer<typeof databaseSchemaSchema>;

export const insightsRequestSchema = z.object({
  order: z.enum(insightOrders).default('total_time'),
  limit: z.number().int().min(1).max(OBSERVABILITY_LIMITS.insightsLimitMax).default(OBSERVABILITY_LIMITS.insightsLimitDefault),
});
export const statementInsightSchema = z.object({
  query_id: z.string().nullable(),
  query: z.string(),
  calls: z.number(),
  total_time_ms: z.number(),
  mean_time_ms: z.number(),
  rows: z.number(),
  /** Shared buffers hit and read; hit ratio is hit / (hit + read). */
  shared_blocks_hit: z.number(),
  shared_blocks_read: z.number(),
});
export const insightsResultSchema = z
  .object({
    /** When the statistics were last reset (null: never, or the server does not say). */
    since: z.string().datetime().nullable(),
    statements: z.array(statementInsightSchema),
  })
  .meta({ id: 'QueryInsights' });
export type InsightsResult = z.infer<typeof insightsResultSchema>;
export const insightsResetResultSchema = z.object({ reset_at: z.string().datetime() });

export const logsRequestSchema = z.object({
  since: z.string().datetime().nullable().default(null),
  /** The least severe level returned. */
  level: z.enum(logLevels).nullable().default(null),
  /** Lines containing this text (case-insensitive). */
  search: z.string().max(200).nullable().default(null),
  limit: z.number().int().min(1).max(OBSERVABILITY_LIMITS.logLimitMax).default(OBSERVABILITY_LIMITS.logLimitDefault),
});
export const logsResultSchema = z.object({ entries: z.array(logEntrySchema) });
/** Starts (or stops) streaming the cluster's new log lines as `logs` messages; the agent keeps it across reconnects only when asked again. */
export const logsFollowRequestSchema = z.object({ follow: z.boolean() });
export const logsFollowResultSchema = z.object({ following: z.boolean() });

/** Each request kind's payload and result. */
export const requestContracts = {
  sql: { payload: sqlRequestSchema, result: queryResultSchema },
  cancel: { payload: cancelRequestSchema, result: cancelResultSchema },
  schema: { payload: z.object({}), result: databaseSchemaSchema },
  insights: { payload: insightsRequestSchema, result: insightsResultSchema },
  insights_reset: { payload: z.object({}), result: insightsResetResultSchema },
  logs: { payload: logsRequestSchema, result: logsResultSchema },
  logs_follow: { payload: logsFollowRequestSchema, result: logsFollowResultSchema },
} as const satisfies Record<(typeof requestKinds)[number], { payload: z.ZodType; result: z.ZodType }>;
export type RequestKind = (typeof requestKinds)[number];
export type RequestPayload<K extends RequestKind> = z.input<(typeof requestContracts)[K]['payload']>;
export type RequestResult<K extends RequestKind> = z.infer<(typeof requestContracts)[K]['result']>;
