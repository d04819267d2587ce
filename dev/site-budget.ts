// The dashboard's JavaScript budget (ARCHITECTURE.md: <= 150 KB gzipped on any first page load), measured on the
// built site: for every page in site/dist, the scripts it loads (inline ones, <script src>, the islands' component
// and renderer modules) and every module those import statically, gzipped one by one as a server would send them.
// Dynamic imports are left out: they are not part of the first load. `npm run budget` prints the table and exits 1
// when a page is over, then lists the lazily loaded chunks (a tab's code, the SQL editor) with what each one adds
// when it is first needed: its own module and the static imports the page has not loaded yet.
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

/** Targets of `import("./x.js")` in a chunk (Vite's lazy components and tabs). */
function dynamicImports(code: string): string[] {
  return [...code.matchAll(/\bimport\(\s*["'`]([^"'`]+\.js)["'`]\s*\)/g)].map((m) => m[1]!);
}

const resolveUrl = (spec: string, from: string) => (spec.startsWith('/') ? spec : new URL(spec, `http://x${from.slice(0, from.lastIndexOf('/') + 1)}`).pathname);

/** The module at `url` and everything it imports statically, minus `loaded`; their gzipped bytes. */
function closure(dist: string, url: string, loaded: ReadonlySet<string>): { urls: Set<string>; gzipBytes: number } {
  const urls = new Set<string>();
  let gzipBytes = 0;
  const pending = [url];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (urls.has(next) || loaded.has(next)) continue;
    urls.add(next);
    const code = readFileSync(join(dist, next.replace(/^\//, '')));
    gzipBytes += gz(code);
    for (const spec of staticImports(code.toString('utf8'))) pending.push(resolveUrl(spec, next));
  }
  return { urls, gzipBytes };
}

export interface LazyChunk {
  /** The chunk's file name without its hash: `QueryTab`, `SqlEditor`. */
  chunk: string;
  /** Gzipped bytes it adds on top of what was loaded before it (the page's first load, and the chunk that imports it). */
  gzipBytes: number;
}

/** The chunks a page loads lazily, each with what it adds when first needed, nested ones after their importer. */
export function measureLazyChunks(dist: string, htmlPath: string): LazyChunk[] {
  const html = readFileSync(htmlPath, 'utf8');
  const firstLoad = closureOfPage(dist, html);
  const chunks: LazyChunk[] = [];
  const visit = (from: string, loaded: ReadonlySet<string>) => {
    for (const spec of dynamicImports(readFileSync(join(dist, from.replace(/^\//, '')), 'utf8'))) {
      const url = resolveUrl(spec, from);
      if (loaded.has(url)) continue;
      const added = closure(dist, url, loaded);
      chunks.push({ chunk: url.split('/').pop()!.replace(/\.[\w-]+\.js$/, ''), gzipBytes: added.gzipBytes });
      visit(url, new Set([...loaded, ...added.urls]));
    }
  };
  for (const url of firstLoad) visit(url, firstLoad);
  return chunks;
}

/** The module URLs a page loads on first load: its script tags, islands and their static imports. */
function closureOfPage(dist: string, html: string): Set<string> {
  const roots = [...html.matchAll(/(?:<script\b[^>]*\bsrc|component-url|renderer-url|<link\b[^>]*rel="modulepreload"[^>]*href)="([^"]+\.js)"/g)].map((m) => m[1]!);
  const loaded = new Set<string>();
  for (const root of roots) for (const url of closure(dist, root, loaded).urls) loaded.add(url);
  return loaded;
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
  const dist = resolve(import.meta.dirname, '..', 'site', 'dist');
  console.log(`\nloaded lazily (gzipped, added when first needed)`);
  for (const html of htmlFiles(dist)) {
    const page = `/${relative(dist, html).replace(/\.html$/, '').replace(/(^|\/)index$/, '')}`;
    for (const c of measureLazyChunks(dist, html)) console.log(`${page.padEnd(28)}${c.chunk.padEnd(28)}${kb(c.gzipBytes).padStart(11)}`);
  }
  process.exitCode = over ? 1 : 0;
}
