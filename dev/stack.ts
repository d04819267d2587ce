// The local stack as a library: `npm start`, the end-to-end tests and the benchmarks all run exactly this.
//   catalog   PGlite persisted under <dataDir>/catalog (or DATABASE_URL), migrations applied
//   bridge    the local stand-in for Neon's proxy (WebSocket-to-TCP and SQL over HTTP)
//   worker    `wrangler dev` with the Durable Objects and Queues, state under <dataDir>/wrangler
//   backups   the embedded S3-compatible server on 127.0.0.1, objects under <dataDir>/s3 (dev/object-store.ts), or
//             the real store S3_ENDPOINT names; the agent gets either as OROCHI_S3_* in its environment
//   region    a shared region named `local`, and its agent on the local driver (<dataDir>/agent), supervised:
//             restarted with backoff whenever it exits on its own
//
// Children that hold state (the agent and its PostgreSQL servers) run in process groups of their own, so a
// terminal's Ctrl-C reaches only this process, which stops them in order; each agent also stops when its stdin
// (a pipe from here) ends, so it never outlives the stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import pg from 'pg';
import { objectStoreEnvironment } from '../agent/backup/object-store.ts';
import { Backoff } from '../protocol/backoff.ts';
import { startCatalog, type Catalog } from './catalog.ts';
import { externalObjectStore, startStackObjectStore, type RunningStackObjectStore, type StackObjectStore } from './object-store.ts';
import { loadOrCreateSecrets } from './secrets.ts';

export const root = resolve(import.meta.dirname, '..');
const host = '127.0.0.1';

export interface StackOptions {
  dataDir: string;
  port: number;
  /** Use this Postgres as the catalog instead of embedded PGlite. */
  databaseUrl?: string;
  appUrl?: string;
  /** Start the local region's agent (default true). Tests that drive agents themselves turn it off. */
  agent?: boolean;
  wranglerLogLevel?: string;
  /** Where the worker's, the agent's and the stack's own output goes, one prefixed line at a time. */
  output?: (source: OutputSource, line: string) => void;
  /** Where the local agent reaches the control plane, when not directly (the chaos run puts a faulty link between). */
  agentUrl?: string;
  /** Delays between restarts of an agent that exited on its own. Default 250 ms doubling to 10 s, with jitter. */
  agentRestart?: { baseMs: number; capMs: number };
  /**
   * Where backups go: `embedded` runs the embedded S3-compatible server under <dataDir>/s3; settings name a real
   * store. Default: the store S3_ENDPOINT and friends name, else the embedded server.
   */
  objectStore?: 'embedded' | StackObjectStore;
}

export type OutputSource = 'worker' | 'agent' | 'stack';

/** An agent up this long was healthy: the restart delay starts over. */
const AGENT_HEALTHY_AFTER_MS = 30_000;
/** How long the agent may take to stop its servers and save its state before it is killed. */
const AGENT_STOP_GRACE_MS = 30_000;

export interface Stack {
  url: string;
  dataDir: string;
  catalog: Catalog;
  /** The object store the local agent backs up to (its credentials included: for tests, never for logs). */
  objectStore: StackObjectStore;
  localRegionId: string;
  agent: ChildProcess | null;
  /** How many times the supervisor restarted an agent that exited on its own. */
  agentRestarts: number;
  /** Starts (or restarts) the local region's agent as a supervised child process. */
  startAgent(): Promise<ChildProcess>;
  /** Stops the agent, and its supervision until the next startAgent: gracefully with SIGTERM, or abruptly with SIGKILL. */
  stopAgent(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

function lines(stream: NodeJS.ReadableStream | null, emit: (line: string) => void): void {
  let partial = '';
  stream?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) emit(line);
  });
}

/** dotenv format: single-quoted values are taken literally, which keeps the JWK's JSON intact. */
function toEnvFile(values: Record<string, string>): string {
  return (
    Object.entries(values)
      .map(([key, value]) => {
        if (value.includes("'") || value.includes('\n')) throw new Error(`${key} cannot be written to an env file`);
        return `${key}='${value}'`;
      })
      .join('\n') + '\n'
  );
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the Worker did not answer ${url} within ${timeoutMs / 1000}s`);
}

export interface AgentProcessOptions {
  url: string;
  dataDir: string;
  registrationToken: string | null;
  /** More flags, e.g. `--driver kubernetes --kubeconfig <file>`. */
  args?: string[];
  /** More environment, e.g. the OROCHI_S3_* settings of its object store. */
  env?: Record<string, string>;
  output: (line: string) => void;
}

/**
 * An agent as its own process, the way operators run it (`npm run agent`), in a process group of its own (a
 * Ctrl-C meant for this process does not reach it) and stopping when this process goes away (its stdin ends).
 */
export function spawnAgent(options: AgentProcessOptions): ChildProcess {
  const args = [
    '--import', 'tsx', resolve(root, 'agent/main.ts'),
    '--url', options.url,
    '--data-dir', options.dataDir,
    '--stop-on-stdin-close',
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    // The one-time token and the object store's credentials go by environment, not argv, so they do not show in
    // process lists.
    env: {
      ...process.env,
      ...options.env,
      ...(options.registrationToken ? { OROCHI_REGISTRATION_TOKEN: options.registrationToken } : {}),
    },
  });
  lines(child.stdout, options.output);
  lines(child.stderr, options.output);
  return child;
}

/** Stops a child process: with `signal`, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Refuses a port something else listens on, instead of health-checking that other server as if it were ours. */
async function requireFreePort(port: number): Promise<void> {
  await new Promise<void>((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${host} is already in use (another stack?); stop what listens there or set PORT`)
          : error,
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolvePort()));
  });
}

/**
 * No agent is connected to a control plane that is only starting: every region is offline and no cluster's
 * health is known until its agent reports again (its servers may not be running yet).
 */
async function forgetLiveState(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("update regions set status = 'offline' where status = 'online' and revoked_at is null");
    await client.query("update clusters set health = 'unknown' where health <> 'unknown' and deleted_at is null");
  } finally {
    await client.end();
  }
}

/**
 * The shared `local` region, created on first start. When the agent has no credential yet, a fresh one-time
 * registration token is written (hashed, as the API does) for it to exchange.
 */
async function ensureLocalRegion(databaseUrl: string, agentDir: string): Promise<{ regionId: string; registrationToken: string | null }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    let { rows } = await client.query<{ id: string }>(
      "select id from regions where name = 'local' and visibility = 'shared' and revoked_at is null order by id limit 1",
    );
    if (rows.length === 0) {
      const { newId } = await import('../protocol/ids.ts');
      ({ rows } = await client.query<{ id: string }>(
        "insert into regions (id, name, provider, driver, visibility, status) values ($1, 'local', 'local', 'local', 'shared', 'pending') returning id",
        [newId('rg')],
      ));
    }
    const regionId = rows[0]!.id;
    // An agent holding a live credential for this region needs nothing; one whose credential lapsed while the
    // stack was down (credentials live an hour) needs a new one-time token, as an operator would issue.
    const state = resolve(agentDir, 'state.json');
    if (existsSync(state)) {
      const saved = JSON.parse(await readFile(state, 'utf8')) as { region_id?: string; expires_at?: string | null };
      const live = saved.expires_at ? Date.parse(saved.expires_at) > Date.now() + 60_000 : false;
      if (saved.region_id === regionId && live) return { regionId, registrationToken: null };
    }
    const token = `ort_${randomBytes(32).toString('base64url')}`;
    await client.query(
      "update regions set registration_token_hash = $2, registration_expires_at = now() + interval '1 hour' where id = $1",
      [regionId, createHash('sha256').update(token).digest('hex')],
    );
    return { regionId, registrationToken: token };
  } finally {
    await client.end();
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { dataDir, port } = options;
  const output = options.output ?? ((source, line) => process.stdout.write(`[${source === 'stack' ? 'orochi' : source}] ${line}\n`));
  await mkdir(dataDir, { recursive: true });
  // As root the local driver runs Postgres as an unprivileged user, who must be able to pass through here to
  // reach its data (a mkdtemp directory is 0700). Traversal only: nothing here becomes listable or readable.
  if (process.getuid?.() === 0) await chmod(dataDir, 0o711);
  await requireFreePort(port);
  // Read before anything starts, so a malformed S3_* setting fails at once.
  const objectStoreChoice = options.objectStore ?? externalObjectStore(process.env) ?? 'embedded';
  const secrets = await loadOrCreateSecrets(resolve(dataDir, 'secrets.json'));
  const catalog = await startCatalog({ databaseUrl: options.databaseUrl, dataDir: resolve(dataDir, 'catalog') });
  const url = `http://${host}:${port}`;
  try {
    await forgetLiveState(catalog.databaseUrl);
  } catch (error) {
    await catalog.stop();
    throw error;
  }

  // Secrets reach wrangler through an env file readable only by this user, never the command line.
  const envFile = resolve(dataDir, 'worker.env');
  await writeFile(
    envFile,
    toEnvFile({
      DATABASE_URL: catalog.databaseUrl,
      DB_WS_PROXY: catalog.wsProxy,
      JWT_PRIVATE_KEY: secrets.JWT_PRIVATE_KEY,
      ENCRYPTION_KEY: secrets.ENCRYPTION_KEY,
      ENVIRONMENT: 'development',
      APP_URL: options.appUrl ?? `http://localhost:${port}`,
      // Someone trying the stack gets room for a real try-out (50 clusters, 20 projects); quotas still apply.
      DEFAULT_PLAN: process.env.DEFAULT_PLAN ?? 'team',
      // API rate limits multiplied (1 unless set): the benchmark raises them so its load is measured, not refused.
      ...(process.env.RATE_LIMIT_SCALE ? { RATE_LIMIT_SCALE: process.env.RATE_LIMIT_SCALE } : {}),
    }),
    { mode: 0o600 },
  );
  const wrangler = spawn(
    process.execPath,
    [
      resolve(root, 'node_modules/wrangler/bin/wrangler.js'),
      'dev',
      '--ip', host,
      '--port', String(port),
      '--persist-to', resolve(dataDir, 'wrangler'),
      '--env-file', envFile,
      '--show-interactive-dev-session=false',
      '--log-level', options.wranglerLogLevel ?? 'log',
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Offline: no telemetry, and no fetch of Request.cf sample data from Cloudflare.
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    },
  );
  lines(wrangler.stdout, (line) => output('worker', line));
  lines(wrangler.stderr, (line) => output('worker', line));
  // The embedded object store starts while the Worker does.
  const objectStoreStarting = startStackObjectStore(objectStoreChoice, {
    dataDir: resolve(dataDir, 's3'),
    output: (line) => output('stack', `object store: ${line}`),
  });
  objectStoreStarting.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  let objectStore: RunningStackObjectStore;
  try {
    await waitForHealth(`${url}/v1/health`, wrangler, 90_000);
    objectStore = await objectStoreStarting;
  } catch (error) {
    await objectStoreStarting.then((store) => store.stop(), () => undefined);
    await stopChild(wrangler, 'SIGTERM', 5000);
    await catalog.stop();
    throw error;
  }

  const agentDir = resolve(dataDir, 'agent');
  const restartBackoff = new Backoff(options.agentRestart ?? { baseMs: 250, capMs: 10_000 });
  let supervising = false;
  let restartTimer: NodeJS.Timeout | null = null;

  const launchAgent = async (): Promise<ChildProcess> => {
    const { regionId, registrationToken } = await ensureLocalRegion(catalog.databaseUrl, agentDir);
    stack.localRegionId = regionId;
    const child = spawnAgent({
      url: options.agentUrl ?? url,
      dataDir: agentDir,
      registrationToken,
      env: objectStoreEnvironment(objectStore.config),
      output: (line) => output('agent', line),
    });
    const startedAt = Date.now();
    stack.agent = child;
    child.once('exit', (code, signal) => {
      if (stack.agent !== child || !supervising) return;
      stack.agent = null;
      if (Date.now() - startedAt >= AGENT_HEALTHY_AFTER_MS) restartBackoff.reset();
      const delay = restartBackoff.next();
      stack.agentRestarts += 1;
      output('stack', `agent exited (${signal ?? `code ${code}`}); restarting in ${delay} ms (restart ${stack.agentRestarts})`);
      restartTimer = setTimeout(() => {
        restartTimer = null;
        if (!supervising) return;
        launchAgent().catch((error: unknown) => {
          output('stack', `agent could not be restarted: ${(error as Error).message}`);
        });
      }, delay);
    });
    return child;
  };

  const stack: Stack = {
    url,
    dataDir,
    catalog,
    objectStore: objectStore.config,
    localRegionId: '',
    agent: null,
    agentRestarts: 0,
    async startAgent() {
      supervising = true;
      return launchAgent();
    },
    async stopAgent(signal = 'SIGTERM') {
      supervising = false;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      const child = stack.agent;
      stack.agent = null;
      if (child) await stopChild(child, signal, AGENT_STOP_GRACE_MS);
    },
    async stop() {
      await stack.stopAgent('SIGTERM');
      // After the agent: a backup it was finishing can still land.
      await objectStore.stop();
      await stopChild(wrangler, 'SIGTERM', 5000);
      await catalog.stop();
    },
  };
  if (options.agent !== false) await stack.startAgent();
  else stack.localRegionId = (await ensureLocalRegion(catalog.databaseUrl, agentDir)).regionId;
  return stack;
}

export async function removeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
}
