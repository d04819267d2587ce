// The `_headers` file of the built dashboard: base headers everywhere, HSTS only in a production build, and per page
// a CSP whose hashes are those of exactly the inline elements the page holds.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineHashes, pagePath, renderHeadersFile } from './site-headers.ts';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
let dist: string;

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'orochi-site-headers-'));
  await mkdir(join(dist, 'databases'));
  await mkdir(join(dist, '_astro'));
  await writeFile(join(dist, 'index.html'), '<html><body><script type="module">location.replace(`/dashboard`);</script></body></html>');
  await writeFile(join(dist, 'databases/view.html'), '<html><head><style>p{color:red}</style></head><body><script>self.a=1</script><script type="module" src="/_astro/x.js"></script></body></html>');
  await writeFile(join(dist, '_astro/x.js'), 'export {}');
});

afterAll(async () => {
  if (dist) await rm(dist, { recursive: true, force: true });
});

describe('the dashboard _headers file', () => {
  it('gives each page a CSP with its own inline scripts and styles by hash, and no unsafe-inline', async () => {
    const file = await renderHeadersFile(dist, { production: false });
    const rules = Object.fromEntries(file.split(/\n(?=\/)/).slice(1).map((rule) => [rule.split('\n')[0], rule]));
    expect(Object.keys(rules)).toEqual(['/*', '/databases/view', '/']);
    expect(rules['/*']).toContain('X-Content-Type-Options: nosniff');
    expect(rules['/*']).toContain('X-Frame-Options: DENY');
    expect(rules['/*']).toContain('Referrer-Policy: strict-origin-when-cross-origin');
    expect(file).not.toContain('Strict-Transport-Security');
    expect(file).not.toContain('unsafe-inline');
    expect(rules['/databases/view']).toContain(`script-src 'self' ${sha256('self.a=1')};`);
    expect(rules['/databases/view']).toContain(`style-src 'self' ${sha256('p{color:red}')};`);
    expect(rules['/databases/view']).toContain("frame-ancestors 'none'");
    expect(rules['/']).toContain(`script-src 'self' ${sha256('location.replace(`/dashboard`);')};`);
  });

  it('adds HSTS to every path in a production build only', async () => {
    expect(await renderHeadersFile(dist, { production: true })).toMatch(/^\/\*\n(  .+\n)*  Strict-Transport-Security: max-age=\d+; includeSubDomains\n/m);
  });

  it('refuses markup that a hash cannot allow: style attributes and inline event handlers', async () => {
    await expect(inlineHashes('<span style="color:red">x</span>', 'a.html')).rejects.toThrow(/a\.html: an inline style attribute/);
    await expect(inlineHashes('<button onclick="go()">x</button>', 'b.html')).rejects.toThrow(/onclick/);
    // The words in a script or an attribute's value are not attributes.
    await expect(inlineHashes('<script>el.innerHTML = \'<b style="x">\'</script><a title="a style=b">x</a>', 'c.html')).resolves.toBeDefined();
  });

  it('names each page by the address it is served at', () => {
    expect(pagePath('/d', '/d/index.html')).toBe('/');
    expect(pagePath('/d', '/d/login.html')).toBe('/login');
    expect(pagePath('/d', '/d/databases/new.html')).toBe('/databases/new');
    expect(pagePath('/d', '/d/404.html')).toBe('/404');
  });
});
