// /docs: a readable, self-contained reference rendered from the OpenAPI document (no CDN, works offline).
import { html, raw } from 'hono/html';
import { cspHash } from '../lib/security-headers.ts';

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

interface Document {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1c1c28;background:#fafafc}
main{max-width:960px;margin:0 auto;padding:2rem}
h2{margin-top:2.5rem;border-bottom:1px solid #ddd;text-transform:capitalize}
details{background:#fff;border:1px solid #e3e3ea;border-radius:8px;margin:.5rem 0;padding:.5rem 1rem}
summary{cursor:pointer;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:4.5rem;font-weight:700}
.get{color:#0a7a3d}.post{color:#1f5fd6}.patch{color:#a35a00}.delete{color:#c22}
pre{background:#f3f3f7;padding:.75rem;border-radius:6px;overflow:auto;font-size:13px}
`;

let csp: string | undefined;

/** The page is one inline style element and links: its CSP allows that style, by hash, and nothing else. */
export async function docsContentSecurityPolicy(): Promise<string> {
  csp ??= `default-src 'none'; style-src ${await cspHash(STYLE)}; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
  return csp;
}

export function renderDocsPage(doc: Document) {
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );
  const byTag = new Map<string, typeof operations>();
  for (const entry of operations) {
    const tag = entry.op.tags?.[0] ?? 'other';
    byTag.set(tag, [...(byTag.get(tag) ?? []), entry]);
  }
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.info.title} reference</title>
<style>${raw(STYLE)}</style>
</head>
<body><main>
<h1>${doc.info.title} <small>v${doc.info.version}</small></h1>
<p>${doc.info.description ?? ''} The machine-readable document is at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p>
${[...byTag.entries()].map(
  ([tag, entries]) => html`<h2>${tag}</h2>
${entries.map(
  ({ path, method, op }) => html`<details>
<summary><span class="m ${method.toLowerCase()}">${method}</span> ${path} — ${op.summary ?? ''}</summary>
${op.description ? html`<p>${op.description}</p>` : ''}
${op.parameters?.length
  ? html`<h4>Parameters</h4><ul>${op.parameters.map((p) => html`<li><code>${p.name}</code> (${p.in}${p.required ? ', required' : ''}) ${p.description ?? ''}</li>`)}</ul>`
  : ''}
${op.requestBody?.content?.['application/json']
  ? html`<h4>Body</h4><pre>${json(op.requestBody.content['application/json'].schema)}</pre>`
  : ''}
<h4>Responses</h4>
<ul>${Object.entries(op.responses ?? {}).map(([status, r]) => html`<li><b>${status}</b> ${r.description ?? ''}</li>`)}</ul>
</details>`,
)}`,
)}
<h2>Schemas</h2>
${Object.entries(doc.components?.schemas ?? {}).map(
  ([name, schema]) => html`<details><summary>${name}</summary><pre>${json(schema)}</pre></details>`,
)}
</main></body></html>`;
}

