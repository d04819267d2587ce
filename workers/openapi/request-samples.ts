// One valid request for every operation of the OpenAPI document, keyed "METHOD /path" as the document writes
// them. document.node.test.ts checks each against the document (and fails when an operation has none, so a new
// route adds its sample here); request-samples.test.ts sends each to the Worker, which must not refuse it as
// invalid. Optional fields are filled in where they exist, so their published rules are checked too.
import { encodeCursor } from '../../core/pagination.ts';

export interface RequestSample {
  /** Path parameters by name. */
  path?: Record<string, string>;
  /** Query parameters by name, as the document types them (a client sends them as text). */
  query?: Record<string, string | number | boolean>;
  /** The JSON body, for operations that take one. */
  body?: unknown;
}

const ORG_ID = 'org_01jd3k5x8r2m9q7v4w6y0z1a2b';
const USER_ID = 'usr_01jd3k5x8r2m9q7v4w6y0z1a2b';
const PROJECT_ID = 'prj_01jd3k5x8r2m9q7v4w6y0z1a2b';
const REGION_ID = 'rg_01jd3k5x8r2m9q7v4w6y0z1a2b';
const CLUSTER_ID = 'cl_01jd3k5x8r2m9q7v4w6y0z1a2b';
const OPERATION_ID = 'op_01jd3k5x8r2m9q7v4w6y0z1a2b';
const BACKUP_ID = 'bk_01jd3k5x8r2m9q7v4w6y0z1a2b';
const QUERY_ID = 'qr_01jd3k5x8r2m9q7v4w6y0z1a2b';
const API_KEY_ID = 'key_01jd3k5x8r2m9q7v4w6y0z1a2b';
const WEBHOOK_ID = 'wh_01jd3k5x8r2m9q7v4w6y0z1a2b';
const WEBHOOK_DELIVERY_ID = 'whd_01jd3k5x8r2m9q7v4w6y0z1a2b';
const TOKEN = 'tok_0123456789abcdefghijklmnopqrstuv';
const page = (lastId: string) => ({ limit: 20, cursor: encodeCursor(lastId) });

export const REQUEST_SAMPLES: Record<string, RequestSample> = {
  'GET /v1/health': {},

  'POST /v1/auth/register': {
    body: { email: 'ada.samples@example.com', password: 'correct horse battery staple', name: 'Ada', org_name: 'Ada' },
  },
  'POST /v1/auth/login': { body: { email: 'ada.samples@example.com', password: 'correct horse battery staple' } },
  'GET /v1/auth/me': {},
  'POST /v1/auth/refresh': { body: { refresh_token: TOKEN } },
  'POST /v1/auth/logout': { body: { refresh_token: TOKEN } },
  'POST /v1/auth/forgot-password': { body: { email: 'ada.samples@example.com' } },
  'POST /v1/auth/reset-password': { body: { token: TOKEN, password: 'a new correct horse battery' } },
  'POST /v1/auth/password': { body: { current_password: 'my current password', new_password: 'a new correct horse battery' } },
  'POST /v1/auth/verify-email': { body: { token: TOKEN } },
  'POST /v1/auth/verify-email/resend': {},

  'GET /v1/organizations': { query: page(ORG_ID) },
  'POST /v1/organizations': { body: { name: 'Ada', slug: 'ada-labs' } },
  'GET /v1/organizations/{org_id}': { path: { org_id: ORG_ID } },
  'PATCH /v1/organizations/{org_id}': { path: { org_id: ORG_ID }, body: { name: 'Ada', slug: 'ada-labs' } },
  'DELETE /v1/organizations/{org_id}': { path: { org_id: ORG_ID } },
  'GET /v1/organizations/{org_id}/summary': { path: { org_id: ORG_ID } },
  'GET /v1/organizations/{org_id}/members': { path: { org_id: ORG_ID }, query: page(USER_ID) },
  'PATCH /v1/organizations/{org_id}/members/{user_id}': { path: { org_id: ORG_ID, user_id: USER_ID }, body: { role: 'developer' } },
  'DELETE /v1/organizations/{org_id}/members/{user_id}': { path: { org_id: ORG_ID, user_id: USER_ID } },
  'POST /v1/organizations/{org_id}/invitations': { path: { org_id: ORG_ID }, body: { email: 'grace@example.com', role: 'viewer' } },
  'GET /v1/organizations/{org_id}/invitations': { path: { org_id: ORG_ID }, query: page('inv_01jd3k5x8r2m9q7v4w6y0z1a2b') },
  'POST /v1/invitations/accept': { body: { token: TOKEN } },

  'GET /v1/projects': { query: { ...page(PROJECT_ID), org_id: ORG_ID } },
  'POST /v1/projects': { body: { name: 'Ada', org_id: ORG_ID } },
  'GET /v1/projects/{id}': { path: { id: PROJECT_ID } },
  'PATCH /v1/projects/{id}': { path: { id: PROJECT_ID }, body: { name: 'Ada' } },
  'DELETE /v1/projects/{id}': { path: { id: PROJECT_ID } },

  'GET /v1/api-keys': { query: { ...page(API_KEY_ID), org_id: ORG_ID } },
  'POST /v1/api-keys': { body: { name: 'CI deploys', org_id: ORG_ID, project_id: PROJECT_ID, role: 'developer', expires_at: '2030-01-01T00:00:00Z' } },
  'GET /v1/api-keys/{id}': { path: { id: API_KEY_ID } },
  'DELETE /v1/api-keys/{id}': { path: { id: API_KEY_ID } },
  'POST /v1/api-keys/{id}/rotate': { path: { id: API_KEY_ID }, body: { grace_seconds: 3600 } },

  'GET /v1/webhooks': { query: { ...page(WEBHOOK_ID), org_id: ORG_ID } },
  'POST /v1/webhooks': {
    body: { url: 'https://example.com/hooks/orochi', org_id: ORG_ID, description: 'Deploy bot', event_types: ['cluster.*', 'operation.updated'] },
  },
  'GET /v1/webhooks/{id}': { path: { id: WEBHOOK_ID } },
  'PATCH /v1/webhooks/{id}': {
    path: { id: WEBHOOK_ID },
    body: { url: 'https://example.com/hooks/orochi', description: 'Deploy bot', event_types: ['backup.*'], enabled: true },
  },
  'DELETE /v1/webhooks/{id}': { path: { id: WEBHOOK_ID } },
  'GET /v1/webhooks/{id}/deliveries': { path: { id: WEBHOOK_ID }, query: page(WEBHOOK_DELIVERY_ID) },
  'POST /v1/webhooks/{id}/test': { path: { id: WEBHOOK_ID } },
  'POST /v1/webhooks/{id}/rotate-secret': { path: { id: WEBHOOK_ID } },
  'POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver': { path: { id: WEBHOOK_ID, delivery_id: WEBHOOK_DELIVERY_ID } },

  'GET /v1/realtime': { query: { org_id: ORG_ID } },

  'GET /v1/regions': { query: { ...page(REGION_ID), org_id: ORG_ID } },
  'POST /v1/regions': { body: { name: 'eu-west-1', provider: 'aws', driver: 'kubernetes', org_id: ORG_ID } },
  'GET /v1/regions/{id}': { path: { id: REGION_ID } },
  'DELETE /v1/regions/{id}': { path: { id: REGION_ID } },
  'POST /v1/regions/{id}/registration-token': { path: { id: REGION_ID } },
  'GET /v1/regions/{id}/install.yaml': {
    path: { id: REGION_ID },
    query: { token: TOKEN, image: 'registry.example.com:5000/orochi/agent:0.1.0' },
  },
  'POST /v1/agent/register': { body: { registration_token: TOKEN, agent_version: '0.1.0' } },
  'POST /v1/agent/token': {},
  'GET /v1/agent/connect': {},

  'GET /v1/clusters': {
    query: { ...page(CLUSTER_ID), project_id: PROJECT_ID, region_id: REGION_ID, status: 'running', engine: 'postgres', search: 'orders', org_id: ORG_ID },
  },
  'POST /v1/clusters': {
    body: {
      name: 'orders-db',
      project_id: PROJECT_ID,
      region_id: REGION_ID,
      engine: 'postgres',
      version: '17',
      tier: 'dedicated',
      size: 'small',
      instances: 2,
      storage_gb: 20,
      password: 'Str0ng!Passw0rd',
      settings: { suspend_timeout_seconds: 300, min_cu: 0.25, max_cu: 2 },
    },
  },
  'GET /v1/clusters/{id}': { path: { id: CLUSTER_ID } },
  'PATCH /v1/clusters/{id}': { path: { id: CLUSTER_ID }, body: { size: 'medium', instances: 3, storage_gb: 50 } },
  'DELETE /v1/clusters/{id}': { path: { id: CLUSTER_ID }, query: { purge_backups: 'false' } },
  'POST /v1/clusters/{id}/sleep': { path: { id: CLUSTER_ID } },
  'POST /v1/clusters/{id}/wake': { path: { id: CLUSTER_ID } },
  'GET /v1/clusters/{id}/connection': { path: { id: CLUSTER_ID }, query: { format: 'psql', reveal: 'true' } },
  'POST /v1/clusters/{id}/password/rotate': { path: { id: CLUSTER_ID }, body: { password: 'An0ther!Passw0rd' } },
  'GET /v1/clusters/{id}/events': { path: { id: CLUSTER_ID }, query: page('ev_01jd3k5x8r2m9q7v4w6y0z1a2b') },
  'GET /v1/clusters/{id}/health': { path: { id: CLUSTER_ID } },

  'GET /v1/clusters/{id}/backups': { path: { id: CLUSTER_ID }, query: page(BACKUP_ID) },
  'POST /v1/clusters/{id}/backups': { path: { id: CLUSTER_ID } },
  'POST /v1/clusters/{id}/restore': { path: { id: CLUSTER_ID }, body: { backup_id: BACKUP_ID, preserve: true } },
  'GET /v1/clusters/{id}/restore-window': { path: { id: CLUSTER_ID } },
  'GET /v1/clusters/{id}/branches': { path: { id: CLUSTER_ID } },

  'GET /v1/clusters/{id}/metrics': {
    path: { id: CLUSTER_ID },
    query: { from: '2026-11-21T11:00:00Z', to: '2026-11-21T12:00:00Z', step: 60, series: 'cpu_percent,connections_active' },
  },
  'GET /v1/clusters/{id}/health/history': { path: { id: CLUSTER_ID }, query: { from: '2026-11-20T12:00:00Z', to: '2026-11-21T12:00:00Z' } },
  'GET /v1/clusters/{id}/logs': { path: { id: CLUSTER_ID }, query: { since: '2026-11-21T11:00:00Z', level: 'warning', search: 'deadlock', limit: 100 } },
  'POST /v1/clusters/{id}/query': {
    path: { id: CLUSTER_ID },
    body: { sql: 'select id, name from customers where id = $1', params: [42], read_only: true, timeout_ms: 10_000, row_limit: 500, query_id: QUERY_ID },
  },
  'GET /v1/clusters/{id}/schema': { path: { id: CLUSTER_ID } },
  'GET /v1/clusters/{id}/insights': { path: { id: CLUSTER_ID }, query: { order: 'mean_time', limit: 20 } },
  'POST /v1/clusters/{id}/insights/reset': { path: { id: CLUSTER_ID } },
  'DELETE /v1/queries/{id}': { path: { id: QUERY_ID } },
  'GET /v1/backups/{id}': { path: { id: BACKUP_ID } },
  'DELETE /v1/backups/{id}': { path: { id: BACKUP_ID } },

  'GET /v1/operations': { query: { ...page(OPERATION_ID), cluster_id: CLUSTER_ID, org_id: ORG_ID } },
  'GET /v1/operations/{id}': { path: { id: OPERATION_ID } },
};

/** The sample's URL path and query as a client would send them. */
export function sampleUrl(template: string, sample: RequestSample): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = sample.path?.[name];
    if (value === undefined) throw new Error(`the sample for ${template} has no path parameter ${name}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams(Object.entries(sample.query ?? {}).map(([name, value]) => [name, String(value)]));
  return query.size > 0 ? `${path}?${query}` : path;
}
