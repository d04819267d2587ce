// The Hono application: middleware in order, the error contract, every route, the OpenAPI document and /docs.
import type { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './context.ts';
import { ApiError, ERROR_STATUS, errorBody, type ErrorCode } from '../core/errors.ts';
import { log } from '../core/logger.ts';
import { authenticate } from './middleware/authenticate.ts';
import { idempotency } from './middleware/idempotency.ts';
import { rateLimit, rateLimitHeaders } from './middleware/rate-limit.ts';
import { requestContext } from './middleware/request-context.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { openApiApp } from './routes/define-route.ts';
import { OPENAPI_INFO, publishedDocument } from './openapi/published-document.ts';
import { routes } from './routes/index.ts';
import { docsContentSecurityPolicy, renderDocsPage } from './routes/docs.ts';
import { registerDashboardShells } from './routes/dashboard-shells.ts';

export type App = OpenAPIHono<AppEnv>;

// The first code listed for a status is its generic one (400 bad_request, not validation_failed; 409 conflict).
const STATUS_CODES: Partial<Record<number, ErrorCode>> = {};
for (const [code, status] of Object.entries(ERROR_STATUS)) STATUS_CODES[status] ??= code as ErrorCode;

export { OPENAPI_INFO };

export function createApp(): App {
  const app: App = openApiApp();

  app.use('*', requestContext);
  app.use('*', securityHeaders);
  app.use('*', rateLimitHeaders);
  app.use(
    '*',
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: () => {
        throw new ApiError('payload_too_large', 'Request bodies are limited to 1 MiB');
      },
    }),
  );
  app.use('*', authenticate);
  app.use('*', rateLimit);
  app.use('/v1/*', idempotency);

  app.onError((err, c) => {
    const requestId = c.var.requestId ?? 'unknown';
    if (err instanceof ApiError) {
      for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
      return c.json(errorBody(err.code, err.message, requestId, err.details), err.status);
    }
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's own 4xx (a body that is not valid JSON, say): keep the status, use our shape.
      const code = STATUS_CODES[err.status] ?? 'bad_request';
      return c.json(errorBody(code, err.message || 'Bad request', requestId), err.status);
    }
    log('error', 'unhandled error', { request_id: requestId, error: err.name, message: err.message, stack: err.stack });
    return c.json(errorBody('internal_error', 'Something went wrong on our side', requestId), 500);
  });

  app.notFound(async (c) => {
    // A person's browser asking for a page that is not there gets the dashboard's 404 page; API clients get JSON.
    if (c.req.method === 'GET' && !c.req.path.startsWith('/v1/') && c.req.header('accept')?.includes('text/html')) {
      const page = await c.env.ASSETS.fetch(new URL('/404', c.req.url));
      return new Response(page.body, { status: 404, headers: page.headers });
    }
    return c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}`, c.var.requestId ?? 'unknown'), 404);
  });

  app.route('/', routes);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An access token from /v1/auth/login (or the orochi_access cookie)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'agent', {
    type: 'http',
    scheme: 'bearer',
    description: "A region agent's credential from /v1/agent/register or /v1/agent/token",
  });
  app.get('/v1/openapi.json', (c) => c.json(publishedDocument(app, new URL(c.req.url).origin)));
  registerDashboardShells(app);
  app.get('/docs', async (c) =>
    c.html(renderDocsPage(publishedDocument(app, new URL(c.req.url).origin) as Parameters<typeof renderDocsPage>[0]), 200, {
      'Content-Security-Policy': await docsContentSecurityPolicy(),
    }),
  );
  return app;
}
