// Builds the dashboard (site/ -> site/dist), which the Worker serves as static assets. `npm start`, `npm test`,
// `npm run bench` and `npm run deploy` run it first, so the Worker never starts without its pages.
//
// Every local stack serves the same site/dist, and wrangler reloads (dropping agent and realtime sockets) whenever a
// file in it changes. So a build must not disturb the stacks already running:
//   - it does nothing when nothing it reads has changed: a hash of its inputs is kept in the build (.build-hash);
//   - otherwise it builds into a fresh folder beside site/dist (Astro's temporary output, .prerender, included),
//     adds the `_headers` file (dev/site-headers.ts), and only then makes site/dist, a symbolic link, point at it
//     (swapIn), so site/dist is never half-written and two builds at once never share a folder. The previous
//     build is removed after.
// `--production` (npm run deploy) adds HSTS to the static files' headers.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { renderHeadersFile } from './site-headers.ts';

const repo = resolve(import.meta.dirname, '..');
export const HASH_FILE = '.build-hash';

// What shapes the output besides the site's own files and the modules it imports: dependency versions, the
// TypeScript settings esbuild compiles with, and this build with the headers it writes.
const SHARED_INPUTS = ['package-lock.json', 'tsconfig.json', 'dev/build-site.ts', 'dev/site-headers.ts', 'workers/lib/security-headers.ts'];
const SOURCE = new Set(['.ts', '.tsx', '.js', '.jsx', '.mjs', '.astro']);

export interface SiteBuildOptions {
  /** The Astro project; site/ by default. */
  root?: string;
  /** Where the built site lives; <root>/dist by default. */
  outDir?: string;
  /** Adds HSTS to the headers of the static files (the production Worker's own responses get it from ENVIRONMENT). */
  production?: boolean;
}

export interface SiteBuildResult {
  built: boolean;
  hash: string;
  ms: number;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Relative modules a file imports for their values; `import type` leaves nothing in the output. */
function valueImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const specifiers = [
    ...code.matchAll(/\b(?:import|export)\s+(?!type\b)[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g),
    ...code.matchAll(/\bimport\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g),
  ].map((match) => match[1]!);
  return specifiers.flatMap((specifier) => {
    const path = resolve(dirname(file), specifier);
    const found = ['', '.ts', '.tsx', '.js', '/index.ts'].map((suffix) => path + suffix).find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
    return found ? [found] : [];
  });
}

/** Every file a build of `root` reads from this repository: the site's sources, what they import, the shared inputs. */
export function siteInputs(root: string): string[] {
  const pending = [...filesUnder(join(root, 'src')), ...filesUnder(join(root, 'public')), ...readdirSync(root).filter((name) => name.startsWith('astro.config.')).map((name) => join(root, name))];
  const found = new Set(SHARED_INPUTS.map((path) => join(repo, path)));
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (found.has(file)) continue;
    found.add(file);
    if (SOURCE.has(extname(file))) pending.push(...valueImports(file));
  }
  return [...found].sort();
}

export function inputHash(root: string, production: boolean): string {
  const hash = createHash('sha256').update(production ? 'production\n' : 'development\n');
  for (const file of siteInputs(root)) hash.update(`${relative(repo, file)}\n`).update(readFileSync(file)).update('\n');
  return hash.digest('hex');
}

function builtHash(outDir: string): string | null {
  try {
    return readFileSync(join(outDir, HASH_FILE), 'utf8').trim();
  } catch {
    return null;
  }
}

/** Astro in a child process whose working directory holds the output folder: Astro puts .prerender beside its output only then. */
function astroBuild(root: string, outDir: string): Promise<void> {
  const script = `const { build } = await import(${JSON.stringify(import.meta.resolve('astro'))});
await build({ root: ${JSON.stringify(root)}, outDir: ${JSON.stringify(outDir)}, logLevel: 'warn' });`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dirname(outDir),
      stdio: 'inherit',
      // Always a production build, whatever NODE_ENV the caller runs under (vitest sets `test`, and React's
      // development build would double the pages' JavaScript), and offline.
      env: { ...process.env, NODE_ENV: 'production', ASTRO_TELEMETRY_DISABLED: '1' },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolvePromise() : reject(new Error(`astro build failed (${signal ?? `exit code ${code}`})`))));
  });
}

/** A name beside outDir, owned by this process: `.dist-<pid>-<random>` for a build, or a `link-` or `old-` one. */
function sibling(outDir: string, kind?: 'link' | 'old'): string {
  return join(dirname(outDir), `.${basename(outDir)}-${kind ? `${kind}-` : ''}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** The build outDir links to; null when there is none, or outDir is a folder (built before builds were linked). */
async function currentBuild(outDir: string): Promise<string | null> {
  try {
    return resolve(dirname(outDir), await readlink(outDir));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EINVAL') return null;
    throw error;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes what builds killed midway left beside outDir: whatever of a finished process is not the live build. */
async function removeAbandoned(outDir: string): Promise<void> {
  const pattern = new RegExp(`^\\.${basename(outDir).replace(/\W/g, '\\$&')}-(?:(?:link|old)-)?(\\d+)-[0-9a-f]+$`);
  for (const name of await readdir(dirname(outDir))) {
    const pid = pattern.exec(name)?.[1];
    if (!pid || alive(Number(pid))) continue;
    const path = join(dirname(outDir), name);
    if (path !== (await currentBuild(outDir))) await rm(path, { recursive: true, force: true });
  }
}

/**
 * Points outDir at the finished build by renaming a new symbolic link over it, which is atomic: outDir shows one
 * whole build at every instant, never none. A link rather than the folder itself, because wrangler's watcher keeps
 * following a replaced link but loses a replaced folder after the first time, and a stack would then serve new
 * pages against its old list of files. The previous build is removed after.
 */
export async function swapIn(fresh: string, outDir: string): Promise<void> {
  let previous = await currentBuild(outDir);
  const link = sibling(outDir, 'link');
  await symlink(basename(fresh), link);
  try {
    await rename(link, outDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    // outDir is a folder from before builds were linked: move it aside, once.
    previous = sibling(outDir, 'old');
    await rename(outDir, previous);
    await rename(link, outDir);
  }
  if (previous) await rm(previous, { recursive: true, force: true });
}

export async function buildSite(options: SiteBuildOptions = {}): Promise<SiteBuildResult> {
  const started = performance.now();
  const root = resolve(options.root ?? join(repo, 'site'));
  const outDir = resolve(options.outDir ?? join(root, 'dist'));
  const production = options.production ?? false;
  const hash = inputHash(root, production);
  if (builtHash(outDir) === hash) return { built: false, hash, ms: performance.now() - started };

  await removeAbandoned(outDir);
  const fresh = sibling(outDir);
  try {
    await astroBuild(root, fresh);
    await writeFile(join(fresh, '_headers'), await renderHeadersFile(fresh, { production }));
    // The hash file is for this script, not for browsers: keep it out of the served files.
    await writeFile(join(fresh, '.assetsignore'), `${HASH_FILE}\n`);
    await writeFile(join(fresh, HASH_FILE), `${hash}\n`);
  } catch (error) {
    await rm(fresh, { recursive: true, force: true });
    throw error;
  }
  await swapIn(fresh, outDir);
  return { built: true, hash, ms: performance.now() - started };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await buildSite({ production: process.argv.includes('--production') });
  process.stdout.write(
    result.built
      ? `dashboard built into site/dist in ${(result.ms / 1000).toFixed(1)} s\n`
      : `dashboard unchanged since its last build: site/dist kept (${Math.round(result.ms)} ms)\n`,
  );
}
