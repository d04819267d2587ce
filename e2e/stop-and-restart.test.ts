// `npm start` as a person runs it in a terminal: Ctrl-C (SIGINT to the whole process group) stops everything,
// no PostgreSQL server of a cluster is left behind, and the next `npm start` brings the clusters back with their
// data. Right after the restart the API never calls a cluster healthy while its server still refuses connections.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDataDir, type Stack } from '../dev/stack.ts';
import { portOpen, sql, stackClient } from './stack-client.ts';

const root = resolve(import.meta.dirname, '..');
const port = 27787 + Math.floor(Math.random() * 1000);
const url = `http://127.0.0.1:${port}`;
let dataDir = '';
const running: ChildProcess[] = [];

interface NpmStart {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

function npmStart(): NpmStart {
  // A process group of its own, like a terminal's foreground job, so the test can Ctrl-C all of it at once.
  const child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OROCHI_DATA_DIR: dataDir, PORT: String(port), WRANGLER_LOG: 'warn' },
  });
  running.push(child);
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output, exited };
}

async function waitForLine(run: NpmStart, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!run.output.some((line) => pattern.test(line))) {
    if (run.child.exitCode !== null) throw new Error(`npm start exited (${run.child.exitCode}):\n${run.output.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${run.output.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Processes still alive whose command line mentions the data directory (servers, agent, wrangler). */
function leftovers(): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.stdout.split('\n').filter((line) => line.includes(dataDir) && !line.includes('ps -eo'));
}

/** Ctrl-C in the terminal: SIGINT to every process of the group; resolves when the group is gone. */
async function ctrlC(run: NpmStart): Promise<void> {
  process.kill(-run.child.pid!, 'SIGINT');
  await run.exited;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      process.kill(-run.child.pid!, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the process group of npm start was still alive 60 s after Ctrl-C:\n${run.output.slice(-30).join('\n')}`);
}

afterAll(async () => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (dataDir) await removeDataDir(dataDir);
}, 60_000);

describe('npm start, stopped with Ctrl-C and started again', () => {
  it('leaves no server behind, comes back with the data, and never calls a refusing server healthy', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'orochi-restart-'));
    const first = npmStart();
    await waitForLine(first, /\[orochi\] press Ctrl-C to stop/, 180_000);
    const catalogUrl = first.output.map((l) => /\[orochi\] catalog\s+(postgres:\/\/\S+)/.exec(l)?.[1]).find(Boolean);
    expect(catalogUrl).toBeDefined();
    const client = stackClient({ url, catalog: { databaseUrl: catalogUrl! } } as Stack);
    const session = await client.signUp();
    const passwords = ['restart-password-a', 'restart-password-b'];
    const created = await Promise.all(
      passwords.map((password, i) => client.api('POST', '/v1/clusters', session.token, { name: `restart-${i}`, region_id: regionOf(first), password })),
    );
    const clusters = await Promise.all(created.map((r) => client.until(session, r.body.cluster.id, 'running')));
    for (const [i, cluster] of clusters.entries()) {
      await sql(cluster.endpoint, passwords[i]!, 'create table kept (note text)');
      await sql(cluster.endpoint, passwords[i]!, 'insert into kept values ($1)', [`note ${i}`]);
    }
    expect(leftovers().length).toBeGreaterThan(0);

    await ctrlC(first);
    expect(first.output.join('\n')).toContain('stopped; data kept');
    expect(first.output.join('\n')).not.toContain('without a clean stop');
    for (const cluster of clusters) expect(await portOpen(cluster.endpoint.port)).toBe(false);
    expect(leftovers()).toEqual([]);

    const second = npmStart();
    // From the first answer on, a cluster the API calls healthy must take connections.
    const healthyButRefusing: string[] = [];
    let sawUnknown = false;
    const deadline = Date.now() + 180_000;
    let back = false;
    while (!back && Date.now() < deadline) {
      if (second.child.exitCode !== null) throw new Error(`npm start exited:\n${second.output.join('\n')}`);
      let states;
      try {
        states = await Promise.all(clusters.map(async (c) => (await client.api('GET', `/v1/clusters/${c.id}`, session.token)).body.cluster));
      } catch {
        await new Promise((r) => setTimeout(r, 50));
        continue; // not answering yet
      }
      back = true;
      for (const [i, state] of states.entries()) {
        if (state.health === 'unknown') sawUnknown = true;
        if (state.health !== 'healthy') {
          back = false;
          continue;
        }
        try {
          await sql(state.endpoint, passwords[i]!, 'select 1');
        } catch (error) {
          healthyButRefusing.push(`${state.id} on ${state.endpoint?.port}: ${(error as Error).message}`);
        }
      }
      if (!back) await new Promise((r) => setTimeout(r, 50));
    }
    expect(back).toBe(true);
    expect(healthyButRefusing).toEqual([]);
    expect(sawUnknown).toBe(true);
    for (const [i, cluster] of clusters.entries()) {
      const now = (await client.api('GET', `/v1/clusters/${cluster.id}`, session.token)).body.cluster;
      expect(now.status).toBe('running');
      expect((await sql(now.endpoint, passwords[i]!, 'select note from kept')).rows).toEqual([{ note: `note ${i}` }]);
    }
    await waitForLine(second, /\[orochi\] ready in/, 60_000);
    await ctrlC(second);
    expect(leftovers()).toEqual([]);
  }, 600_000);
});

function regionOf(run: NpmStart): string {
  const line = run.output.find((l) => /\[orochi\] region\s+local \((rg_[^)]+)\)/.test(l));
  if (!line) throw new Error('no region line in the start-up output');
  return /\((rg_[^)]+)\)/.exec(line)![1]!;
}
