// Asking a cluster's region agent something on a user's behalf (SQL, schema, insights, log history, cancel): the
// cluster must be able to answer, the RegionDO carries the request, and the agent's answer becomes the API's result
// or one of its errors. The caller passes the way to the RegionDO, so this module needs no Workers binding.
import type { AgentResponse } from '../../protocol/agent.ts';
import { requestContracts, type RequestKind, type RequestPayload, type RequestResult } from '../../protocol/observability.ts';
import { ApiError } from '../errors.ts';
import type { ClusterRow } from './serialize.ts';

/** One request to the cluster's region: RegionDO.request. */
export type RegionRequest = (clusterId: string, kind: RequestKind, payload: Record<string, unknown>, timeoutMs: number) => Promise<AgentResponse>;

/** SQLSTATE query_canceled, which PostgreSQL reports for a statement_timeout. */
const QUERY_CANCELED = '57014';

/** Only a running cluster has a server to ask; an update or resize keeps it serving while it rolls. */
export function requireRunning(cluster: Pick<ClusterRow, 'name' | 'status'>): void {
  if (cluster.status === 'running' || cluster.status === 'updating') return;
  if (cluster.status === 'sleeping') throw new ApiError('cluster_sleeping', `Cluster ${cluster.name} is asleep; wake it first`);
  throw new ApiError('cluster_not_running', `Cluster ${cluster.name} is ${cluster.status}, not running`);
}

/** Sends the request and returns the agent's result, checked against the kind's contract, or throws the API's error. */
export async function askAgent<K extends RequestKind>(
  send: RegionRequest,
  clusterId: string,
  kind: K,
  payload: RequestPayload<K>,
  timeoutMs: number,
): Promise<RequestResult<K>> {
  const response = await send(clusterId, kind, payload as Record<string, unknown>, timeoutMs);
  if (!response.ok) throw responseError(response, timeoutMs);
  const parsed = requestContracts[kind].result.safeParse(response.result);
  if (!parsed.success) throw new ApiError('region_unavailable', `The region's agent answered the ${kind} request with a result this API cannot read`);
  return parsed.data as RequestResult<K>;
}

/** requireRunning, then askAgent. */
export async function askRunningCluster<K extends RequestKind>(
  send: RegionRequest,
  cluster: Pick<ClusterRow, 'id' | 'name' | 'status'>,
  kind: K,
  payload: RequestPayload<K>,
  timeoutMs: number,
): Promise<RequestResult<K>> {
  requireRunning(cluster);
  return askAgent(send, cluster.id, kind, payload, timeoutMs);
}

function sqlErrorDetails(response: AgentResponse, sqlstate: string | null) {
  const e = response.sql_error;
  return { sqlstate: e?.sqlstate ?? sqlstate, position: e?.position ?? null, hint: e?.hint ?? null, detail: e?.detail ?? null };
}

/** The API's error for an agent's refusal; the agent's message is written for people and never holds a secret. */
export function responseError(response: AgentResponse, timeoutMs: number): ApiError {
  const reason = response.error ?? 'no reason given';
  switch (response.code) {
    case 'sql_error':
      return new ApiError('sql_error', response.sql_error?.message ?? reason, { details: sqlErrorDetails(response, null) });
    case 'timeout':
      return new ApiError('statement_timeout', `The statement ran past its timeout and was cancelled: ${reason}`, {
        details: sqlErrorDetails(response, QUERY_CANCELED),
      });
    case 'cancelled':
      return new ApiError('query_cancelled', `The statement was cancelled before it finished: ${reason}`);
    case 'region_offline':
      return new ApiError('region_unavailable', "The cluster's region has no agent connected; retry once it reconnects");
    case 'no_answer':
      return new ApiError('region_unavailable', `The cluster's region did not answer within ${Math.round(timeoutMs / 1000)} s`);
    case 'unsupported':
      return new ApiError('unsupported', reason);
    case 'not_running':
      return new ApiError('cluster_not_running', `The cluster is not running: ${reason}`);
    case 'not_found':
      return new ApiError('cluster_not_running', `The cluster's region does not hold it (yet): ${reason}`);
    case 'bad_request':
      return new ApiError('bad_request', reason);
    default:
      return new ApiError('internal_error', `The cluster's region failed to answer: ${reason}`);
  }
}
