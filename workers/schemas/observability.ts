// What the observability routes take and answer: metrics and health history over a time range, the log history,
// the SQL editor's statements and their cancellation, the schema browser, query insights. Built from
// protocol/observability.ts and its OBSERVABILITY_LIMITS, so the API refuses exactly what the agent would.
import { z } from '@hono/zod-openapi';
import { insightOrders, logLevels, metricSeries, type MetricSeries } from '../../protocol/enums.ts';
import { logEntrySchema, OBSERVABILITY_LIMITS as LIMITS, sqlRequestSchema } from '../../protocol/observability.ts';
import { ApiError } from '../../core/errors.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A query's id: `qr_` and 26 characters, the shape of every id of the API. */
export const QUERY_ID_PATTERN = /^qr_[0-9a-z]{26}$/;
const queryIdSchema = z.string().regex(QUERY_ID_PATTERN, 'qr_ followed by 26 lowercase letters and digits');

// Offsets allowed: a client in another zone writes its local time.
const instant = z.iso.datetime({ offset: true });

const timeRangeFields = (defaultSpan: string) => ({
  from: instant.optional().openapi({ param: { name: 'from', in: 'query' }, description: `Default: ${defaultSpan} before \`to\``, example: '2026-11-21T11:00:00Z' }),
  to: instant.optional().openapi({ param: { name: 'to', in: 'query' }, description: 'Default: now; at most a minute ahead of the server\'s clock', example: '2026-11-21T12:00:00Z' }),
});

/** The longest range each read serves: as far back as the ClusterDO keeps points. */
export const METRICS_RANGE = { defaultMs: HOUR, maxMs: 90 * DAY } as const;
export const HEALTH_RANGE = { defaultMs: DAY, maxMs: 30 * DAY } as const;
export const METRICS_STEP = { min: 10, max: 86_400 } as const;

const seriesName = metricSeries.join('|');
const SERIES_LIST = new RegExp(`^(?:${seriesName})(?:,(?:${seriesName}))*$`);

export const metricsQuerySchema = z.object({
  ...timeRangeFields('an hour'),
  step: z.coerce
    .number()
    .int()
    .min(METRICS_STEP.min, `at least ${METRICS_STEP.min} seconds`)
    .max(METRICS_STEP.max, `at most ${METRICS_STEP.max} seconds`)
    .optional()
    .openapi({ param: { name: 'step', in: 'query' }, description: 'Seconds between points; default: the finest the range keeps (10 s within a day, 1 min within a week, 1 h beyond)', example: 60 }),
  series: z
    .string()
    .regex(SERIES_LIST, `a comma-separated list of ${metricSeries.join(', ')}`)
    .optional()
    .openapi({ param: { name: 'series', in: 'query' }, description: 'Comma-separated; default all', example: 'cpu_percent,connections_active' }),
});

export const healthHistoryQuerySchema = z.object(timeRangeFields('24 hours'));

export interface TimeRange {
  from: Date;
  to: Date;
}

function invalid(path: string, message: string): ApiError {
  return new ApiError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
}

const spanName = (ms: number) => `${ms / DAY} days`;

/** The range a read asked for, with its defaults, checked against the clock and the longest span served. */
export function timeRange(query: { from?: string; to?: string }, limits: { defaultMs: number; maxMs: number }, now = Date.now()): TimeRange {
  const to = query.to ? Date.parse(query.to) : now;
  const from = query.from ? Date.parse(query.from) : to - limits.defaultMs;
  if (to > now + MINUTE) throw invalid('to', 'must not be more than a minute in the future');
  if (from >= to) throw invalid('from', 'must be before to');
  if (to - from > limits.maxMs) throw invalid('from', `the range must not exceed ${spanName(limits.maxMs)}`);
  return { from: new Date(from), to: new Date(to) };
}

/** The series asked for (all by default), each once, in the order the API lists them. */
export function requestedSeries(list: string | undefined): MetricSeries[] {
  if (list === undefined) return [...metricSeries];
  const asked = new Set(list.split(','));
  return metricSeries.filter((name) => asked.has(name));
}

export const logsQuerySchema = z.object({
  since: instant.optional().openapi({ param: { name: 'since', in: 'query' }, description: 'Only lines written after this time' }),
  level: z.enum(logLevels).optional().openapi({ param: { name: 'level', in: 'query' }, description: 'The least severe level returned' }),
  search: z
    .string()
    .min(1)
    .max(200, 'at most 200 characters')
    .optional()
    .openapi({ param: { name: 'search', in: 'query' }, description: 'Only lines containing this text (case-insensitive)' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.logLimitMax, `at most ${LIMITS.logLimitMax} lines`)
    .default(LIMITS.logLimitDefault)
    .openapi({ param: { name: 'limit', in: 'query' }, description: 'The newest lines that match, oldest first', example: LIMITS.logLimitDefault }),
});

export const clusterLogsSchema = z.object({ data: z.array(logEntrySchema) }).openapi('ClusterLogs');

const sqlParamSchema = sqlRequestSchema.shape.params.unwrap().element;

export const runQuerySchema = z
  .object({
    sql: z
      .string()
      .max(LIMITS.sqlMaxChars, `at most ${LIMITS.sqlMaxChars} characters`)
      .refine((sql) => sql.trim().length > 0, 'must not be blank')
      .openapi({ description: 'One or more statements; the last one\'s rows are returned', example: 'select id, name from customers where id = $1' }),
    params: z
      .array(sqlParamSchema)
      .max(LIMITS.paramsMax, `at most ${LIMITS.paramsMax} parameters`)
      .default([])
      .openapi({ description: 'Values of $1, $2 ... (never recorded anywhere)', example: [42] }),
    read_only: z.boolean().default(false).openapi({ description: 'Run in a read-only transaction' }),
    timeout_ms: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.statementTimeoutMaxMs, `at most ${LIMITS.statementTimeoutMaxMs} ms`)
      .default(LIMITS.statementTimeoutDefaultMs)
      .openapi({ description: 'statement_timeout; past it the statement is cancelled (422 statement_timeout)' }),
    row_limit: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.rowLimitMax, `at most ${LIMITS.rowLimitMax} rows`)
      .default(LIMITS.rowLimitDefault)
      .openapi({ description: 'Rows returned at most; past it the result says truncated' }),
    query_id: queryIdSchema.optional().openapi({
      description: 'An id of your choosing, so DELETE /v1/queries/{id} can cancel the statement before this request answers; issued when omitted',
      example: 'qr_01jd3k5x8r2m9q7v4w6y0z1a2b',
    }),
  })
  .strict()
  .openapi('RunQuery');

export const queryParamsSchema = z.object({
  id: queryIdSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'qr_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
});

export const queryCancellationSchema = z
  .object({
    query_id: z.string(),
    cancelled: z.boolean().openapi({ description: 'false when the statement had already ended' }),
  })
  .openapi('QueryCancellation');

export const insightsQuerySchema = z.object({
  order: z.enum(insightOrders).default('total_time').openapi({ param: { name: 'order', in: 'query' } }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.insightsLimitMax, `at most ${LIMITS.insightsLimitMax} statements`)
    .default(LIMITS.insightsLimitDefault)
    .openapi({ param: { name: 'limit', in: 'query' }, example: LIMITS.insightsLimitDefault }),
});
