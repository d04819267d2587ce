// The dashboard's calls to the observability API (metrics, health history, logs, SQL, schema, insights) through
// the typed client of api.ts, so paths, parameters and answers are checked against the routes themselves.
import type { DatabaseSchema, HealthHistory, InsightsResult, LogEntry, MetricsResponse, QueryResult } from '../../../protocol/observability.ts';
import type { insightOrders } from '../../../protocol/enums.ts';
import { api, unwrap } from './api.ts';

export type { DatabaseSchema, HealthHistory, InsightsResult, LogEntry, MetricsResponse, QueryResult };
export type InsightOrder = (typeof insightOrders)[number];

const cluster = (id: string) => api.v1.clusters[':id'];
const param = (id: string) => ({ param: { id } });

export const observabilityApi = {
  metrics: (id: string, query: { from: string; to: string; step: string; series?: string }) => unwrap(cluster(id).metrics.$get({ ...param(id), query })),
  healthHistory: (id: string, query: { from: string; to: string }) => unwrap(cluster(id).health.history.$get({ ...param(id), query })),
  logs: (id: string, query: { since?: string; level?: LogEntry['level']; search?: string; limit?: string }) => unwrap(cluster(id).logs.$get({ ...param(id), query })),
  query: (id: string, json: { sql: string; query_id: string; read_only?: boolean; timeout_ms?: number; row_limit?: number }) => unwrap(cluster(id).query.$post({ ...param(id), json })),
  cancel: (queryId: string) => unwrap(api.v1.queries[':id'].$delete({ param: { id: queryId } })),
  schema: (id: string) => unwrap(cluster(id).schema.$get(param(id))),
  insights: (id: string, order: InsightOrder, limit = 50) => unwrap(cluster(id).insights.$get({ ...param(id), query: { order, limit: String(limit) } })),
  resetInsights: (id: string) => unwrap(cluster(id).insights.reset.$post(param(id))),
};
