// The dashboard's JavaScript budget (ARCHITECTURE.md: <= 150 KB gzipped on any first page load), measured on the
// built site: for every page in site/dist, the scripts it loads (inline ones, <script src>, the islands' component
// and renderer modules) and every module those import statically, gzipped one by one as a server would send them.
// Dynamic imports are left out: they are not part of the first load. `npm run budget` prints the table and exits 1
// when a page is over.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 150 * 1024;

export interface PageWeight {
  page: string;
  files: number;
  rawBytes: number;
  gzipBytes: number;
}

const gz = (text: string | Buffer) => gzipSync(text).length;

function htmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '_astro' ? [] : htmlFiles(path);
    return name.endsWith('.html') ? [path] : [];
  });
}

/** Static imports of an ES module chunk: `import "./x.js"`, `import {a} from "./x.js"`, `export * from "./x.js"`. */
function staticImports(code: string): string[] {
  const found: string[] = [];
  for (const match of code.matchAll(/(?:\bimport|\bexport)\s*(?:[\w*${}\s,]*?\bfrom\s*)?["']([^"']+\.js)["']/g)) found.push(match[1]!);
  return found;
}

export function measurePage(dist: string, htmlPath: string): PageWeight {
  const html = readFileSync(htmlPath, 'utf8');
  let rawBytes = 0;
  let gzipBytes = 0;
  let files = 0;
  for (const match of html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    const body = match[1] ?? '';
    if (!body.trim()) continue;
    rawBytes += Buffer.byteLength(body);
    gzipBytes += gz(body);
    files++;
  }
  const pending = [...html.matchAll(/(?:<script\b[^>]*\bsrc|component-url|renderer-url|<link\b[^>]*rel="modulepreload"[^>]*href)="([^"]+\.js)"/g)].map((m) => m[1]!);
  const seen = new Set<string>();
  while (pending.length > 0) {
    const url = pending.pop()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const path = join(dist, url.replace(/^\//, ''));
    const code = readFileSync(path);
    rawBytes += code.length;
    gzipBytes += gz(code);
    files++;
    const base = url.slice(0, url.lastIndexOf('/') + 1);
    for (const spec of staticImports(code.toString('utf8'))) pending.push(spec.startsWith('/') ? spec : new URL(spec, `http://x${base}`).pathname);
  }
  return { page: `/${relative(dist, htmlPath).replace(/\.html$/, '').replace(/(^|\/)index$/, '')}`, files, rawBytes, gzipBytes };
}

export function measureSite(dist = resolve(import.meta.dirname, '..', 'site', 'dist')): PageWeight[] {
  if (!existsSync(dist)) throw new Error(`${dist} does not exist: run npm run build:site first`);
  return htmlFiles(dist)
    .map((path) => measurePage(dist, path))
    .sort((a, b) => a.page.localeCompare(b.page));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pages = measureSite();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`${'page'.padEnd(28)}${'files'.padStart(6)}${'raw'.padStart(11)}${'gzipped'.padStart(11)}   budget ${kb(BUDGET_BYTES)}`);
  let over = false;
  for (const p of pages) {
    const ok = p.gzipBytes <= BUDGET_BYTES;
    over ||= !ok;
    console.log(`${p.page.padEnd(28)}${String(p.files).padStart(6)}${kb(p.rawBytes).padStart(11)}${kb(p.gzipBytes).padStart(11)}   ${ok ? 'ok' : 'OVER'}`);
  }
  process.exitCode = over ? 1 : 0;
}
