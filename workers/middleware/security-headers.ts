// The security headers on every response the Worker makes. A response that brings its own CSP keeps it: /docs sets
// one for its page, and the dashboard pages the Worker answers with (a database page's shell, the 404 page) carry
// their page's CSP from site/dist/_headers. Anything else is not a page and gets the CSP that allows nothing.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';
import { API_CSP, baseSecurityHeaders } from '../lib/security-headers.ts';

function setAll(target: Headers, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) target.set(name, value);
}

export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  // A WebSocket handshake carries no document, and its response must stay the one the runtime made.
  if (c.res.status === 101) return;
  const headers = baseSecurityHeaders({ production: c.var.settings.ENVIRONMENT === 'production' });
  if (!c.res.headers.has('content-security-policy')) headers['Content-Security-Policy'] = API_CSP;
  try {
    setAll(c.res.headers, headers);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // A response passed through from a binding (the assets, a Durable Object) has immutable headers: copy it.
    c.res = new Response(c.res.body, c.res);
    setAll(c.res.headers, headers);
  }
});
