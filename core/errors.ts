// One error type and one error body for the whole API: route handlers throw ApiError, request validation
// failures become `validation_failed`, and anything unexpected becomes a bare 500 with no internals.
import { z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  operation_in_progress: 409,
  /** Asked of a sleeping cluster something only a running one can answer (SQL, schema, insights). */
  cluster_sleeping: 409,
  /** ... or of one that is provisioning, waking, failed or being deleted. */
  cluster_not_running: 409,
  /** A statement cancelled through DELETE /v1/queries/{id} before it finished. */
  query_cancelled: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  quota_exceeded: 422,
  /** A restore or branch at a time the cluster's archive cannot reach; details carry the window. */
  target_outside_window: 422,
  /** Asked of something that cannot do it (point-in-time restore of a PGlite cluster, say); the message says why. */
  unsupported: 422,
  /** PostgreSQL refused a statement; details carry its SQLSTATE, position, hint and detail. */
  sql_error: 422,
  /** A statement ran past its timeout and was cancelled (SQLSTATE 57014 in details). */
  statement_timeout: 422,
  upgrade_required: 426,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
  /** The cluster's region has no agent connected, or its agent did not answer in time. */
  region_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'not_found' }),
      message: z.string(),
      details: z.unknown().optional(),
      request_id: z.string(),
    }),
  })
  .openapi('Error');

export type ErrorBody = z.infer<typeof errorBodySchema>;

export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; headers?: Record<string, string> } = {}) {
    super(ERROR_STATUS[code], { message });
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);

export function errorBody(code: string, message: string, requestId: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }), request_id: requestId } };
}

/** Turns zod issues into `[{path, message}]`, the `details` of a validation_failed error. */
export function issueDetails(issues: readonly { path: PropertyKey[]; message: string }[]) {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** Error responses every route may answer, for the OpenAPI document. */
export function errorResponses(...statuses: Array<400 | 401 | 403 | 404 | 409 | 413 | 422 | 426 | 429 | 500 | 503>) {
  const descriptions: Record<number, string> = {
    400: 'Malformed request or failed validation',
    401: 'Missing, expired or invalid credentials',
    403: 'The caller may not do this',
    404: 'Not found (also for resources of another organization)',
    409: 'Conflicts with the current state',
    413: 'The request body is over 1 MiB',
    422: 'Understood but not carried out: a plan quota, or what the error code names',
    426: 'A WebSocket endpoint called without Upgrade: websocket',
    429: 'Too many attempts; see Retry-After',
    500: 'Something went wrong on our side; the body carries the request_id to quote',
    503: "The cluster's region cannot be reached right now; retry",
  };
  return Object.fromEntries(
    statuses.map((s) => [s, { description: descriptions[s]!, content: { 'application/json': { schema: errorBodySchema } } }]),
  ) as Record<number, { description: string; content: { 'application/json': { schema: typeof errorBodySchema } } }>;
}
