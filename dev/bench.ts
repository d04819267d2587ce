// `npm run bench`: bounded load against the local stack, printing latency and throughput of authenticated
// reads next to a bare route of the same Worker, measured in the same run. Target (ARCHITECTURE.md):
// authenticated reads cost at most 2x the bare route.
//
// Uses the stack at BENCH_URL when one answers there; otherwise starts its own on a scratch data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
// A hard cap on requests per scenario, so the loop is bounded in count as well as time.
const MAX_REQUESTS = Number(process.env.BENCH_MAX_REQUESTS ?? 50_000);

interface Figures {
  name: string;
  p50: number;
  p99: number;
  rps: number;
  requests: number;
  errors: number;
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/v1/health`)).ok;
  } catch {
    return false;
  }
}

async function startStack(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'orochi-bench-'));
  const port = 18787 + Math.floor(Math.random() * 1000);
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'start.ts')], {
    env: { ...process.env, OROCHI_DATA_DIR: dataDir, PORT: String(port), WRANGLER_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 90_000;
  while (!(await healthy(url))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the local stack did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    async stop() {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function run(name: string, url: string, headers: Record<string, string> = {}): Promise<Figures> {
  const result = await autocannon({
    url,
    headers,
    connections: CONNECTIONS,
    duration: DURATION_S,
    maxOverallRequests: MAX_REQUESTS,
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  return { name, p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average, requests: result.requests.total, errors: bad };
}

async function main(): Promise<void> {
  const external = process.env.BENCH_URL;
  const stack = external && (await healthy(external)) ? { url: external, stop: async () => undefined } : await startStack();
  try {
    const email = `bench-${Date.now()}@example.com`;
    const res = await fetch(`${stack.url}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'benchmark password' }),
    });
    if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
    const { access_token: token } = (await res.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${token}` };

    process.stdout.write(`bench: ${CONNECTIONS} connections, ${DURATION_S}s per route, at most ${MAX_REQUESTS} requests, ${stack.url}\n`);
    // A short warm-up so the first route measured does not pay for isolate start-up.
    await autocannon({ url: `${stack.url}/v1/health`, connections: 2, amount: 200 });
    const baseline = await run('GET /v1/health (bare)', `${stack.url}/v1/health`);
    const rows = [
      baseline,
      await run('GET /v1/auth/me', `${stack.url}/v1/auth/me`, auth),
      await run('GET /v1/projects', `${stack.url}/v1/projects`, auth),
    ];

    const pad = (s: string | number, n: number) => String(s).padStart(n);
    process.stdout.write(`\n${'route'.padEnd(26)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('req/s', 10)}${pad('requests', 10)}${pad('non-2xx', 9)}${pad('p50 x', 8)}${pad('p99 x', 8)}\n`);
    for (const r of rows) {
      const x50 = (r.p50 / Math.max(baseline.p50, 0.01)).toFixed(2);
      const x99 = (r.p99 / Math.max(baseline.p99, 0.01)).toFixed(2);
      process.stdout.write(
        `${r.name.padEnd(26)}${pad(r.p50, 9)}${pad(r.p99, 9)}${pad(r.rps.toFixed(0), 10)}${pad(r.requests, 10)}${pad(r.errors, 9)}${pad(x50, 8)}${pad(x99, 8)}\n`,
      );
    }
    const worst = Math.max(...rows.slice(1).map((r) => r.p50 / Math.max(baseline.p50, 0.01)));
    process.stdout.write(`\nauthenticated reads, p50 vs bare route: ${worst.toFixed(2)}x (target <= 2x)\n`);
    if (rows.some((r) => r.errors > 0)) process.stdout.write('warning: some requests did not answer 2xx\n');
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
