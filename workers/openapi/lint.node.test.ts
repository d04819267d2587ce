// The OpenAPI document through a linter nobody here wrote: Redocly's recommended ruleset (@redocly/openapi-core, the
// engine of `redocly lint`), with the changes redocly.yaml names and the per-operation exceptions of
// .redocly.lint-ignore.yaml. Zero errors and zero warnings. The rules come from the installed package and the
// document has no external $refs, so linting reads nothing from the network.
//
// The document is fetched as the Worker serves it, through app.request() (see document.node.test.ts for why in
// Node). It is asked for at a public-looking origin: the servers entry is the request's origin, and a linter rightly
// flags a document that points its clients at localhost.
import { lintFromString, loadConfig } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { servedDocument } from './served-document.ts';

const ORIGIN = 'https://api.orochi.test';

interface Operation {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }>; headers?: Record<string, unknown> }>;
}

const source = await servedDocument(ORIGIN);
const doc = JSON.parse(source) as { servers?: Array<{ url: string }>; paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })),
);

describe('the OpenAPI document through Redocly lint', () => {
  it('has no errors and no warnings under the recommended ruleset and redocly.yaml', async () => {
    // Relative to the repository root, where vitest runs (this project's types have no Node path helpers).
    const config = await loadConfig({ configPath: 'workers/openapi/redocly.yaml' });
    // Linted under the name .redocly.lint-ignore.yaml keys its exceptions by (openapi.json next to it), which
    // Redocly has resolved to an absolute path.
    const absoluteRef = Object.keys(config.ignore).find((file) => file.endsWith('/workers/openapi/openapi.json'));
    expect(absoluteRef, 'the exceptions of .redocly.lint-ignore.yaml').toBeDefined();
    const problems = await lintFromString({ source, absoluteRef: absoluteRef!, config });
    const reported = problems
      .filter((p) => !p.ignored)
      .map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`);
    expect(reported).toEqual([]);
    // The exceptions are still needed: an entry for an operation that has since changed would hide nothing.
    expect(problems.filter((p) => p.ignored).map((p) => p.ruleId)).toEqual(['operation-2xx-response', 'operation-2xx-response']);
  });

  it('names the server that served it, so a generated client calls the right origin', () => {
    expect(doc.servers?.map((s) => s.url)).toEqual([ORIGIN]);
  });

  it('gives every operation a unique operationId, a summary and a stated security requirement', () => {
    const ids = operations.map((o) => o.operation.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations.filter((o) => !o.operation.summary).map((o) => o.key)).toEqual([]);
    expect(operations.filter((o) => !Array.isArray(o.operation.security)).map((o) => o.key)).toEqual([]);
    expect(operations.find((o) => o.key === 'GET /v1/clusters/{id}')?.operation.operationId).toBe('getClustersById');
  });

  it('describes every error response with the Error body, and the 413, 429 and 500 every route can answer', () => {
    const bare: string[] = [];
    for (const { key, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        if (response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/Error') bare.push(`${key} ${status}`);
      }
      if (!operation.responses['413'] || !operation.responses['500']) bare.push(`${key} lacks 413 or 500`);
      // Rate limits apply to all but the region agents' endpoints.
      if (!key.includes(' /v1/agent/') && !operation.responses['429']) bare.push(`${key} lacks 429`);
    }
    expect(bare).toEqual([]);
  });

  it('shows an example body on every operation that takes JSON, and the RateLimit headers on every limited response', () => {
    const missing: string[] = [];
    for (const { key, operation } of operations) {
      const json = operation.requestBody?.content?.['application/json'];
      if (json && json.example === undefined) missing.push(`${key} body example`);
      if (key.includes(' /v1/agent/')) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status === '101') continue;
        if (!response.headers?.['RateLimit'] || !response.headers['RateLimit-Policy']) missing.push(`${key} ${status} RateLimit headers`);
      }
      if (!operation.responses['429']?.headers?.['Retry-After']) missing.push(`${key} 429 Retry-After`);
    }
    expect(missing).toEqual([]);
    expect(operations.find((o) => o.key === 'POST /v1/clusters')?.operation.requestBody?.content?.['application/json']?.example).toMatchObject({ name: expect.any(String) });
  });
});
