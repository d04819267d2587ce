import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, errorCode } from './test/harness.ts';

describe('API conventions', () => {
  it('gives every response an X-Request-Id, keeping a safe one sent by the client', async () => {
    const generated = await call('GET', '/v1/health');
    expect(generated.headers.get('x-request-id')).toMatch(/^req_[0-9a-z]{26}$/);
    const kept = await call('GET', '/v1/health', { headers: { 'x-request-id': 'client-trace-42' } });
    expect(kept.headers.get('x-request-id')).toBe('client-trace-42');
    const unsafe = await call('GET', '/v1/health', { headers: { 'x-request-id': 'a b<script>' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('answers unknown routes with the JSON error shape and the request id in it', async () => {
    const res = await call('GET', '/v1/nope');
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe('not_found');
    expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const res = await call('POST', '/v1/auth/register', { rawBody: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(1_100_000) }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(errorCode(res)).toBe('payload_too_large');
  });

  it('answers a body that is not JSON, or not JSON at all, with a 4xx error', async () => {
    const broken = await call('POST', '/v1/auth/login', { rawBody: '{"email": "a@b.co", ', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(errorCode(broken)).toBe('bad_request');
    const text = await call('POST', '/v1/auth/login', { rawBody: 'email=a@b.co', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBeGreaterThanOrEqual(400);
    expect(text.status).toBeLessThan(500);
    errorCode(text);
  });

  it('serves the OpenAPI 3.1 document with every route and the error schema', async () => {
    const res = await call('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const paths = Object.keys(res.body.paths);
    for (const path of ['/v1/auth/register', '/v1/auth/login', '/v1/auth/refresh', '/v1/auth/logout', '/v1/auth/me', '/v1/organizations', '/v1/organizations/{org_id}', '/v1/organizations/{org_id}/members', '/v1/projects', '/v1/projects/{id}']) {
      expect(paths).toContain(path);
    }
    expect(res.body.components.schemas.Error).toBeDefined();
  });

  it('serves a readable /docs page built from the document, with no external scripts', async () => {
    const res = await SELF.fetch('http://localhost/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('/v1/auth/register');
    expect(html).toContain('Orochi Cloud API');
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});
