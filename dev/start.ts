// `npm start`: the whole control plane on this machine, offline, on embedded defaults.
//   catalog   PGlite persisted under .orochi/catalog (or DATABASE_URL), migrations applied
//   bridge    WebSocket-to-TCP, so the Neon driver inside workerd reaches the catalog
//   worker    `wrangler dev` with the Durable Objects and Queues, state under .orochi/wrangler
// Ctrl-C stops everything; the next start reuses the data.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startCatalog, type Catalog } from './catalog.ts';
import { loadOrCreateSecrets } from './secrets.ts';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(process.env.OROCHI_DATA_DIR ?? resolve(root, '.orochi'));
const port = Number(process.env.PORT ?? 8787);
const host = '127.0.0.1';
const appUrl = process.env.APP_URL ?? `http://localhost:${port}`;

function say(line: string): void {
  process.stdout.write(`[orochi] ${line}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Two stacks on one data directory would corrupt the embedded catalog: refuse the second. */
async function claimDataDir(): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const pidFile = resolve(dataDir, 'stack.pid');
  if (existsSync(pidFile)) {
    const pid = Number(await readFile(pidFile, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(`another Orochi stack (pid ${pid}) is using ${dataDir}; stop it or set OROCHI_DATA_DIR`);
    }
  }
  await writeFile(pidFile, String(process.pid));
  return pidFile;
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Worker did not answer ${url} within ${timeoutMs / 1000}s`);
}

function prefixLines(stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream): void {
  let partial = '';
  stream?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) out.write(`[worker] ${line}\n`);
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const pidFile = await claimDataDir();
  const secrets = await loadOrCreateSecrets(resolve(dataDir, 'secrets.json'));

  const external = process.env.DATABASE_URL;
  say(external ? `catalog: ${redact(external)} (DATABASE_URL)` : `catalog: embedded PGlite in ${resolve(dataDir, 'catalog')}`);
  const catalog: Catalog = await startCatalog({ databaseUrl: external, dataDir: resolve(dataDir, 'catalog') });
  say(`migrations applied; bridge on ws://${catalog.wsProxy}`);

  // Secrets reach wrangler through an env file readable only by this user, never the command line.
  const envFile = resolve(dataDir, 'worker.env');
  const workerEnv = {
    DATABASE_URL: catalog.databaseUrl,
    DB_WS_PROXY: catalog.wsProxy,
    JWT_PRIVATE_KEY: secrets.JWT_PRIVATE_KEY,
    ENCRYPTION_KEY: secrets.ENCRYPTION_KEY,
    ENVIRONMENT: 'development',
    APP_URL: appUrl,
  };
  await writeFile(envFile, toEnvFile(workerEnv), { mode: 0o600 });

  const wrangler = spawn(
    process.execPath,
    [
      resolve(root, 'node_modules/wrangler/bin/wrangler.js'),
      'dev',
      '--ip',
      host,
      '--port',
      String(port),
      '--persist-to',
      resolve(dataDir, 'wrangler'),
      '--env-file',
      envFile,
      '--show-interactive-dev-session=false',
      '--log-level',
      process.env.WRANGLER_LOG ?? 'log',
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Offline: no telemetry, and no fetch of Request.cf sample data from Cloudflare.
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    },
  );
  prefixLines(wrangler.stdout, process.stdout);
  prefixLines(wrangler.stderr, process.stderr);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    if (wrangler.exitCode === null) {
      wrangler.kill('SIGTERM');
      await new Promise((r) => {
        const timer = setTimeout(() => {
          wrangler.kill('SIGKILL');
          r(undefined);
        }, 5000);
        wrangler.once('exit', () => {
          clearTimeout(timer);
          r(undefined);
        });
      });
    }
    await catalog.stop();
    await rm(pidFile, { force: true });
    say('stopped; data kept in ' + dataDir);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  wrangler.on('exit', (code) => {
    if (!stopping) {
      say(`wrangler dev exited (${code}); shutting down`);
      void stop(code ?? 1);
    }
  });

  const base = `http://${host}:${port}`;
  try {
    await waitForHealth(`${base}/v1/health`, wrangler, 60_000);
  } catch (error) {
    say(String(error));
    await stop(1);
    return;
  }
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  say(`API        ${base}/v1`);
  say(`API docs   ${base}/docs   (OpenAPI: ${base}/v1/openapi.json)`);
  say(`mailbox    ${base}/v1/dev/mailbox?to=<email>   (sign-up and reset mails land here)`);
  say(`data       ${dataDir}`);
  say('press Ctrl-C to stop');
}

/** dotenv format: single-quoted values are taken literally, which keeps the JWK's JSON intact. */
function toEnvFile(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => {
      if (value.includes("'") || value.includes('\n')) throw new Error(`${key} cannot be written to an env file`);
      return `${key}='${value}'`;
    })
    .join('\n') + '\n';
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

main().catch((error) => {
  process.stderr.write(`[orochi] failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
