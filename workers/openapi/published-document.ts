// The OpenAPI document as /v1/openapi.json and /docs publish it: what @hono/zod-openapi builds from the routes,
// completed with what outside tools (linters, client generators) need of every operation, in one place rather than
// in each route file. The completions hold for every route because the app makes them so: app.onError answers every
// error in the Error shape, the body limit, the rate limits and the 500 apply to every request, and a route that
// names no security scheme takes no credentials.
import type { OpenAPIHono } from '@hono/zod-openapi';
import { errorResponses } from '../../core/errors.ts';
import { REQUEST_SAMPLES } from './request-samples.ts';

type Document = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: { title: 'Orochi Cloud API', version: '1.0.0', description: 'Managed PostgreSQL and NATS JetStream clusters.' },
  // Every tag an operation uses is declared here with a description (the lint test fails on one that is not).
  tags: [
    { name: 'meta', description: 'Liveness of the API itself' },
    { name: 'auth', description: 'Accounts and sessions: sign up, sign in, tokens, passwords, email verification' },
    { name: 'organizations', description: 'Organizations, their members and invitations' },
    { name: 'projects', description: "Projects group an organization's clusters" },
    { name: 'api-keys', description: 'API keys: credentials for programs, scoped to an organization or a project' },
    { name: 'regions', description: 'Regions: where clusters run, each served by a region agent' },
    { name: 'agent', description: 'Endpoints the region agent calls; not for people or their programs' },
    { name: 'clusters', description: 'PostgreSQL clusters: create, resize, sleep, wake, connect, delete' },
    { name: 'backups', description: 'Backups, point-in-time restore and branches' },
    { name: 'observability', description: 'Metrics, logs, health history, the SQL editor, the schema browser and query insights' },
    { name: 'operations', description: 'Long-running operations started by other calls (202 Accepted), to follow to the end' },
    { name: 'realtime', description: 'Live updates over a WebSocket' },
    { name: 'webhooks', description: 'Webhook endpoints: cluster, operation and backup events POSTed to your URL, signed per Standard Webhooks' },
  ],
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * `getClustersById` for GET /v1/clusters/{id}: the method, then the path's segments after /v1, a parameter as
 * `By<Name>`. Unique because method and path are, and stable, so a generated client's method names do not move.
 */
export function operationIdOf(method: string, path: string): string {
  const pascal = (text: string) =>
    text
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((word) => word[0]!.toUpperCase() + word.slice(1))
      .join('');
  const segments = path.split('/').filter((segment) => segment && segment !== 'v1');
  return method + segments.map((s) => (s.startsWith('{') ? `By${pascal(s)}` : pascal(s))).join('');
}

/** The document of `app`'s routes, completed; `origin` (the request's) is the server a client calls. */
export function publishedDocument(app: OpenAPIHono<any, any, any>, origin?: string): Document {
  const document = app.getOpenAPI31Document({
    ...OPENAPI_INFO,
    ...(origin ? { servers: [{ url: origin, description: 'The API that served this document' }] } : {}),
  });
  const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  // workers/middleware/rate-limit.ts limits every route but the agents' (/v1/agent/*).
  const rateLimited = {
    description: "Over the caller's rate limit (per API key, user or address, by plan); RateLimit-Policy, RateLimit and Retry-After say more",
    content: errorContent,
  };
  // The headers workers/middleware/rate-limit.ts puts on every limited response (IETF httpapi ratelimit-headers draft).
  const rateLimitHeaders = {
    'RateLimit-Policy': { description: 'The caller\'s policy: `"<plan>";q=<burst>;w=<seconds to refill>`', schema: { type: 'string' as const } },
    RateLimit: { description: 'What is left of it: `"<plan>";r=<remaining>;t=<seconds until full>`', schema: { type: 'string' as const } },
  };
  const everywhere = Object.entries(errorResponses(413, 500)).map(([status, { description }]) => [status, { description, content: errorContent }] as const);
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method];
      if (!operation) continue;
      operation.operationId ??= operationIdOf(method, path);
      // Unsaid means public in OpenAPI too; saying it lets a linter tell a public route from a forgotten scheme.
      operation.security ??= [];
      const responses = (operation.responses ??= {});
      for (const [status, response] of everywhere) responses[status] ??= response;
      const limited = !path.startsWith('/v1/agent/');
      if (limited) responses['429'] ??= rateLimited;
      for (const [status, response] of Object.entries(responses)) {
        if ('$ref' in response) continue;
        if (Number(status) >= 400 && !response.content) response.content = errorContent;
        if (limited && status !== '101') {
          response.headers = { ...rateLimitHeaders, ...(status === '429' ? { 'Retry-After': { description: 'Seconds until a request fits again', schema: { type: 'integer' as const } } } : {}), ...response.headers };
        }
      }
      // Every operation has a valid request in request-samples.ts (checked against the Worker): its body is the example.
      const body = REQUEST_SAMPLES[`${method.toUpperCase()} ${path}`]?.body;
      const json = operation.requestBody && !('$ref' in operation.requestBody) ? operation.requestBody.content?.['application/json'] : undefined;
      if (json && body !== undefined && json.example === undefined && json.examples === undefined) json.example = body;
    }
  }
  return document;
}
