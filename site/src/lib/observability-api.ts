// The dashboard's calls to the observability API (metrics, health history, logs, SQL, schema, insights), with the
// session handling and error words of api.ts. Types only from protocol/observability.ts (erased at build), so no
// zod reaches the browser.
import type { ClientResponse } from 'hono/client';
import type { DatabaseSchema, HealthHistory, InsightsResult, LogEntry, MetricsResponse, QueryResult } from '../../../protocol/observability.ts';
import type { insightOrders } from '../../../protocol/enums.ts';
import { sessionFetch, unwrap } from './api.ts';

export type { DatabaseSchema, HealthHistory, InsightsResult, LogEntry, MetricsResponse, QueryResult };
export type InsightOrder = (typeof insightOrders)[number];

async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: { query?: Record<string, string | undefined>; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined && v !== '') params.set(k, v);
  const url = `${path}${params.size ? `?${params}` : ''}`;
  const init: RequestInit = { method, signal: options.signal };
  if (options.body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(options.body);
  }
  // unwrap reads a Response the way it reads hc's: the success body, or an ApiFailure in words.
  return unwrap(sessionFetch(url, init) as unknown as Promise<ClientResponse<T, 200, 'json'>>);
}

const cluster = (id: string) => `/v1/clusters/${encodeURIComponent(id)}`;

export const observabilityApi = {
  metrics: (id: string, query: Record<string, string>, signal?: AbortSignal) => call<MetricsResponse>('GET', `${cluster(id)}/metrics`, { query, signal }),
  healthHistory: (id: string, query: { from?: string; to?: string }) => call<HealthHistory>('GET', `${cluster(id)}/health/history`, { query }),
  logs: (id: string, query: { since?: string; level?: string; search?: string; limit?: string }) => call<{ data: LogEntry[] }>('GET', `${cluster(id)}/logs`, { query }),
  query: (id: string, body: { sql: string; query_id: string; read_only?: boolean; timeout_ms?: number; row_limit?: number }) => call<QueryResult>('POST', `${cluster(id)}/query`, { body }),
  cancel: (queryId: string) => call<unknown>('DELETE', `/v1/queries/${encodeURIComponent(queryId)}`),
  schema: (id: string) => call<DatabaseSchema>('GET', `${cluster(id)}/schema`),
  insights: (id: string, order: InsightOrder, limit = 50) => call<InsightsResult>('GET', `${cluster(id)}/insights`, { query: { order, limit: String(limit) } }),
  resetInsights: (id: string) => call<{ reset_at: string }>('POST', `${cluster(id)}/insights/reset`, { body: {} }),
};
