// Security headers on what the Worker answers: the API, /docs, and the dashboard pages it serves itself (a database
// page's shell, the 404 page), whose CSP comes from site/dist/_headers. HSTS in production only.
import { SELF, createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../index.ts';
import type { Bindings } from '../env.ts';
import { API_CSP, baseSecurityHeaders, cspHash, HSTS } from '../lib/security-headers.ts';
import { call } from '../test/harness.ts';

const bindings = env as unknown as Bindings;

function expectBaseHeaders(headers: Headers): void {
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('strict-transport-security')).toBeNull();
}

/** Checks a dashboard page's CSP: hashed inline scripts, never 'unsafe-inline', no framing. */
function expectPageCsp(headers: Headers): void {
  const csp = headers.get('content-security-policy') ?? '';
  const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src ')) ?? '';
  expect(scriptSrc).toMatch(/^script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')+$/);
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("default-src 'none'");
}

async function callProduction(path: string): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://console.orochi.cloud${path}`), { ...bindings, ENVIRONMENT: 'production' }, ctx);
  await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return res;
}

describe('security headers', () => {
  it('puts nosniff, a referrer policy, no framing and a CSP that allows nothing on API responses, errors included', async () => {
    const responses = [
      await call('GET', '/v1/health'),
      await call('GET', '/v1/openapi.json'),
      await call('GET', '/v1/nope'),
      await call('GET', '/v1/auth/me'),
      await call('POST', '/v1/auth/login', { rawBody: '{"email": ', headers: { 'content-type': 'application/json' } }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 404, 401, 400]);
    for (const res of responses) {
      expectBaseHeaders(res.headers);
      expect(res.headers.get('content-security-policy')).toBe(API_CSP);
    }
  });

  it('lets /docs show its one inline style, by hash, and nothing else', async () => {
    const res = await SELF.fetch('http://localhost/docs');
    expect(res.status).toBe(200);
    expectBaseHeaders(res.headers);
    const style = /<style>([\s\S]*?)<\/style>/.exec(await res.text())![1]!;
    expect(res.headers.get('content-security-policy')).toBe(
      `default-src 'none'; style-src ${await cspHash(style)}; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
  });

  it("keeps the page's own CSP on the dashboard pages the Worker answers with: a database's shell and the 404 page", async () => {
    const shell = await SELF.fetch(`http://localhost/databases/cl_${'0'.repeat(26)}`, { headers: { accept: 'text/html' } });
    expect(shell.status).toBe(200);
    expect(await shell.text()).toContain('<astro-island');
    expectBaseHeaders(shell.headers);
    expectPageCsp(shell.headers);

    const missing = await SELF.fetch('http://localhost/no-such-page', { headers: { accept: 'text/html' } });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('<html');
    expectBaseHeaders(missing.headers);
    expectPageCsp(missing.headers);
  });

  it('adds HSTS in production only', async () => {
    expect(baseSecurityHeaders({ production: true })['Strict-Transport-Security']).toBe(HSTS);
    expect(baseSecurityHeaders({ production: false })).not.toHaveProperty('Strict-Transport-Security');
    const production = await callProduction('/v1/health');
    expect(production.status).toBe(200);
    expect(production.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
    expect(production.headers.get('x-frame-options')).toBe('DENY');
    expectBaseHeaders((await call('GET', '/v1/health')).headers);
  });
});
