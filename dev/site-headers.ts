// The dashboard's `_headers` file: the security headers Workers static assets send with the built site's files.
// Every path gets the base headers (workers/lib/security-headers.ts, shared with the Worker); every page gets its
// own CSP, with the hashes of exactly the inline scripts and style elements its HTML holds, read from the built
// file. (Astro's own `security.csp` writes a <meta> CSP, which cannot carry frame-ancestors, and leaves
// `is:inline` scripts to hashes typed by hand; hashing the output covers every inline element there is.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { baseSecurityHeaders, cspHash, pageCsp, type InlineHashes } from '../workers/lib/security-headers.ts';

// The limits Workers static assets put on a `_headers` file; past them it ignores rules silently.
const MAX_RULES = 100;
const MAX_LINE_LENGTH = 2000;

function htmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '_astro' ? [] : htmlFiles(path);
    return name.endsWith('.html') ? [path] : [];
  });
}

/** The address a built file is served at: `login.html` -> `/login`, `index.html` -> `/` (html_handling drops .html). */
export function pagePath(dist: string, file: string): string {
  const path = `/${relative(dist, file).replace(/\.html$/, '')}`;
  return path === '/index' ? '/' : path.replace(/\/index$/, '');
}

/** Hashes of a page's inline scripts and style elements. Fails on markup a hash cannot allow. */
export async function inlineHashes(html: string, where: string): Promise<InlineHashes> {
  const markup = html.replace(/<(script|style)\b([^>]*)>[\s\S]*?<\/\1>/gi, '<$1$2>');
  for (const [tag] of markup.matchAll(/<[a-z](?:"[^"]*"|'[^']*'|[^'">])*>/gi)) {
    const attribute = /\s(style|on[a-z]+)\s*=/i.exec(tag.replace(/"[^"]*"|'[^']*'/g, '""'));
    if (attribute) throw new Error(`${where}: an inline ${attribute[1]} attribute in ${tag.slice(0, 80)}, which the page's CSP refuses (use a class, or a script)`);
  }
  const scripts = new Set<string>();
  const styles = new Set<string>();
  for (const [, attributes, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (!/\bsrc=/i.test(attributes!)) scripts.add(await cspHash(body!));
  }
  for (const [, body] of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)) styles.add(await cspHash(body!));
  return { scripts: [...scripts], styles: [...styles] };
}

/** The `_headers` file for a built site in `dist`. */
export async function renderHeadersFile(dist: string, options: { production: boolean }): Promise<string> {
  const rules: Array<[path: string, headers: Record<string, string>]> = [['/*', baseSecurityHeaders(options)]];
  for (const file of htmlFiles(dist).sort()) {
    const where = relative(dist, file);
    rules.push([pagePath(dist, file), { 'Content-Security-Policy': pageCsp(await inlineHashes(readFileSync(file, 'utf8'), where)) }]);
  }
  if (rules.length > MAX_RULES) throw new Error(`_headers would hold ${rules.length} rules; Workers static assets read ${MAX_RULES}`);
  const lines = ['# Written by dev/site-headers.ts at build time.'];
  for (const [path, headers] of rules) {
    lines.push(path, ...Object.entries(headers).map(([name, value]) => `  ${name}: ${value}`));
  }
  const long = lines.find((line) => line.trim().length > MAX_LINE_LENGTH);
  if (long) throw new Error(`_headers line over ${MAX_LINE_LENGTH} characters, which Workers static assets ignore: ${long.slice(0, 80)}…`);
  return `${lines.join('\n')}\n`;
}
