// The dashboard build must not disturb the stacks serving site/dist: unchanged inputs leave it untouched, and a
// changed input is built beside it and swapped in whole, never written into it. Run on a one-page Astro site of its
// own (two real builds), so the repository's site/dist is never touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cspHash } from '../workers/lib/security-headers.ts';
import { buildSite, HASH_FILE, inputHash, siteInputs, swapIn } from './build-site.ts';

const repo = resolve(import.meta.dirname, '..');
let root: string;
let dist: string;

const page = (words: string) => `---
---
<html lang="en"><head><title>fixture</title><style>p { color: teal; }</style></head>
<body><p>${words}</p><script is:inline>document.body.dataset.words = '${words}';</script>
<script>document.body.dataset.mode = process.env.NODE_ENV;</script></body></html>
`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'orochi-site-build-'));
  dist = join(root, 'dist');
  // Astro's runtime, imported by the compiled page, resolves from here.
  await symlink(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  await writeFile(join(root, 'astro.config.mjs'), "export default { output: 'static', build: { format: 'file' }, devToolbar: { enabled: false } };\n");
  await mkdir(join(root, 'src/pages'), { recursive: true });
  await writeFile(join(root, 'src/pages/index.astro'), page('one'));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** What `dist` shows at this instant: its top-level names, or null if there were no `dist` at all. */
function sample(dir: string): string[] | null {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Everything a stat can see of `dist`: the link itself, the build it points at, and two files in it. */
const fingerprint = () =>
  [lstatSync(dist), statSync(dist), statSync(join(dist, 'index.html')), statSync(join(dist, HASH_FILE))].map((s) => [s.ino, s.mtimeMs]);

describe('the dashboard build', () => {
  it('builds the site with its _headers and input hash, then leaves it untouched while nothing changed', async () => {
    const first = await buildSite({ root });
    expect(first.built).toBe(true);
    expect(sample(dist)).toEqual(expect.arrayContaining(['.assetsignore', HASH_FILE, '_headers', 'index.html']));
    expect(sample(dist)).not.toContain('.prerender');
    expect(readFileSync(join(dist, HASH_FILE), 'utf8').trim()).toBe(first.hash);
    // The hash file is the build script's, not a page's.
    expect(readFileSync(join(dist, '.assetsignore'), 'utf8')).toContain(HASH_FILE);
    // A production build even under vitest's NODE_ENV=test: React's development build would double the pages' JavaScript.
    expect(process.env.NODE_ENV).toBe('test');
    expect(readFileSync(join(dist, 'index.html'), 'utf8')).toMatch(/dataset\.mode\s*=\s*["'`]production["'`]/);
    const headers = readFileSync(join(dist, '_headers'), 'utf8');
    expect(headers).toContain(await cspHash("document.body.dataset.words = 'one';"));

    const before = fingerprint();
    const second = await buildSite({ root });
    expect(second).toMatchObject({ built: false, hash: first.hash });
    expect(second.ms).toBeLessThan(500);
    expect(fingerprint()).toEqual(before);
  }, 60_000);

  it('builds beside the live build when an input changes and swaps the new one in whole, never writing into it', async () => {
    const previous = realpathSync(dist);
    const complete = (names: string[] | null) => names !== null && [HASH_FILE, '_headers', 'index.html'].every((name) => names.includes(name)) && !names.includes('.prerender');
    const partial: Array<string[] | null> = [];
    const fresh = new Set<string>();
    let samples = 0;
    // Look at the live folder, and at what sits beside it, every few milliseconds while the build runs.
    const watcher = setInterval(() => {
      samples++;
      const names = sample(dist);
      if (!complete(names)) partial.push(names);
      for (const name of readdirSync(root)) if (name.startsWith('.dist-') && existsSync(join(root, name, '.prerender'))) fresh.add(name);
    }, 5);
    // What a build killed midway leaves behind: its folder and its link, named after a process that is gone.
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    await mkdir(join(root, `.dist-${gone.pid}-0badf00d`));
    await writeFile(join(root, `.dist-${gone.pid}-0badf00d/index.html`), 'half');
    await symlink(`.dist-${gone.pid}-0badf00d`, join(root, `.dist-link-${gone.pid}-0badf00d`));
    await writeFile(join(root, 'src/pages/index.astro'), page('two'));
    const rebuilt = await buildSite({ root }).finally(() => clearInterval(watcher));

    expect(rebuilt.built).toBe(true);
    expect(samples).toBeGreaterThan(20);
    expect(partial).toEqual([]);
    // Astro's temporary output went to the fresh folder beside it.
    expect(fresh.size).toBe(1);
    expect(realpathSync(dist)).toBe(join(root, [...fresh][0]!));
    expect(readFileSync(join(dist, 'index.html'), 'utf8')).toContain('two');
    expect(readFileSync(join(dist, '_headers'), 'utf8')).toContain(await cspHash("document.body.dataset.words = 'two';"));
    // The replaced build and the abandoned one are gone; only the live one is left beside the link.
    expect(existsSync(previous)).toBe(false);
    expect(readdirSync(root).filter((name) => name.startsWith('.dist-'))).toEqual([...fresh]);
  }, 60_000);

  it('hashes what the site imports from outside it, and builds again for production', () => {
    const inputs = siteInputs(join(repo, 'site'));
    for (const path of ['protocol/sizes.ts', 'protocol/cluster-rules.ts', 'site/astro.config.mjs', 'package-lock.json', 'workers/lib/security-headers.ts']) {
      expect(inputs).toContain(join(repo, path));
    }
    // Type-only imports leave nothing in the output.
    expect(inputs).not.toContain(join(repo, 'workers/routes/index.ts'));
    expect(inputHash(root, true)).not.toBe(inputHash(root, false));
  });
});

// Why site/dist is a link: a running `wrangler dev` must serve each new build, not only the first. Its watcher loses
// a folder replaced by rename after the first time; it keeps following a replaced link.
describe('a running wrangler dev', () => {
  let dir: string;
  let origin: string;
  let wrangler: ChildProcess | undefined;

  afterAll(async () => {
    if (wrangler && wrangler.exitCode === null) {
      const exited = new Promise((r) => wrangler!.once('exit', r));
      wrangler.kill('SIGTERM');
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A finished build, with the index.html every build has and a file of its own, swapped in as the build does. */
  async function publish(version: number): Promise<void> {
    const build = join(dir, `.dist-${process.pid}-${version.toString(16).padStart(8, '0')}`);
    await mkdir(build);
    await writeFile(join(build, 'index.html'), `<p>version ${version}</p>`);
    await writeFile(join(build, `v${version}.txt`), `version ${version}`);
    await swapIn(build, join(dir, 'dist'));
  }

  async function served(path: string): Promise<string | null> {
    const res = await fetch(`${origin}${path}`).catch(() => null);
    return res?.ok ? res.text() : null;
  }

  it('serves every build swapped in while it runs, not only the first', async () => {
    dir = await mkdtemp(join(tmpdir(), 'orochi-site-swap-'));
    await writeFile(join(dir, 'wrangler.toml'), 'name = "swap"\ncompatibility_date = "2026-11-01"\n[assets]\ndirectory = "./dist"\n');
    await publish(1);
    const port = 31787 + Math.floor(Math.random() * 1000);
    origin = `http://127.0.0.1:${port}`;
    wrangler = spawn(
      process.execPath,
      [join(repo, 'node_modules/wrangler/bin/wrangler.js'), 'dev', '--ip', '127.0.0.1', '--port', String(port), '--show-interactive-dev-session=false', '--log-level', 'warn'],
      { cwd: dir, stdio: 'ignore', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' } },
    );
    await expect.poll(() => served('/v1.txt'), { timeout: 30_000, interval: 200 }).toBe('version 1');
    for (const version of [2, 3, 4, 5]) {
      await publish(version);
      await expect.poll(() => served(`/v${version}.txt`), { timeout: 10_000, interval: 100 }).toBe(`version ${version}`);
    }
  }, 90_000);
});
