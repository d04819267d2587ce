// First middleware of every request: request id, parsed settings, the lazily opened database, and one
// structured log line when the response is done.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';
import { parseSettings } from '../../core/settings.ts';
import { openDatabase } from '../../core/db.ts';
import { newId } from '../../protocol/ids.ts';
import { log } from '../../core/logger.ts';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  const incoming = c.req.header('x-request-id');
  const requestId = incoming && CLIENT_REQUEST_ID.test(incoming) ? incoming : newId('req');
  c.set('requestId', requestId);
  c.set('principal', null);
  c.set('authFailure', null);
  const settings = parseSettings(c.env);
  c.set('settings', settings);
  const database = openDatabase(settings);
  c.set('database', database);
  try {
    await next();
  } finally {
    c.header('X-Request-Id', requestId);
    c.executionCtx.waitUntil(database.close());
    log('info', 'request', {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      user_id: c.var.principal?.userId,
    });
  }
});
