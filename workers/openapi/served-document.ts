// The OpenAPI document as the Worker serves it, read in Node through app.request() for the tests that check it
// with Node-only tools (ajv, Redocly). Serving it touches neither the catalog nor any binding: the settings need
// only parse.
import { createApp } from '../app.ts';
import type { Bindings } from '../env.ts';

const env = {
  DATABASE_URL: 'postgres://unused@localhost/unused',
  JWT_PRIVATE_KEY: 'unused',
  ENCRYPTION_KEY: 'unused',
  ENVIRONMENT: 'test',
  APP_URL: 'http://localhost:8787',
} as unknown as Bindings;
const executionCtx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;

/** GET /v1/openapi.json's text, asked for at `origin` (the document names the origin it was served at). */
export async function servedDocument(origin = ''): Promise<string> {
  const res = await createApp().request(`${origin}/v1/openapi.json`, undefined, env, executionCtx);
  if (res.status !== 200) throw new Error(`GET /v1/openapi.json answered ${res.status}: ${await res.text()}`);
  return res.text();
}
