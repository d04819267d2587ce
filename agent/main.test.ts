// agent/main.ts as a process, the way `npm start` and operators run it: configured by environment, JSON
// logs on stdout, a clean exit on SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { FakeControlPlane } from './testing/fake-control-plane.ts';
import { tempDir, waitFor } from './testing/fixtures.ts';

const root = resolve(import.meta.dirname, '..');
let cp: FakeControlPlane;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeEach(async () => {
  cp = await new FakeControlPlane().start();
  dir = await tempDir('agent-main');
});

afterEach(async () => {
  await cp.stop();
  await dir.remove();
});

function run(args: string[], env: Record<string, string>, stdin: 'ignore' | 'pipe' = 'ignore') {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'agent/main.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  return { child, output, exited };
}

test('runs from the environment, logs JSON lines, and stops cleanly on SIGTERM', async () => {
  const token = cp.registrationToken();
  const agent = run([], { OROCHI_URL: cp.url, OROCHI_REGISTRATION_TOKEN: token, OROCHI_AGENT_DATA_DIR: dir.path });
  try {
    const hello = await cp.waitFor('hello', () => true, 30_000);
    expect(hello.clusters).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir.path, 'state.json'), 'utf8')).region_id).toBe(cp.regionId);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  } finally {
    agent.child.kill('SIGKILL');
  }
  const lines = agent.output.stdout.trim().split('\n');
  for (const line of lines) expect(JSON.parse(line)).toMatchObject({ time: expect.any(String), level: expect.any(String), msg: expect.any(String) });
  expect(lines.some((line) => line.includes('agent stopped'))).toBe(true);
  expect(agent.output.stdout).not.toContain(token);
  expect(existsSync(join(dir.path, 'agent.pid'))).toBe(false);
}, 60_000);

test('a bad command line exits 2 with the usage', async () => {
  const agent = run(['--driver', 'docker', '--url', cp.url], {});
  expect(await agent.exited).toBe(2);
  expect(agent.output.stderr).toContain('the drivers are local and kubernetes');
  expect(agent.output.stderr).toContain('Usage:');
  await waitFor(() => agent.child.exitCode !== null, 1000, 'exit');
}, 30_000);

test("a terminal's Ctrl-C followed by a supervisor's SIGTERM is one clean stop, not a forced exit", async () => {
  const agent = run([], { OROCHI_URL: cp.url, OROCHI_REGISTRATION_TOKEN: cp.registrationToken(), OROCHI_AGENT_DATA_DIR: dir.path });
  try {
    await cp.waitFor('hello', () => true, 30_000);
    agent.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  } finally {
    agent.child.kill('SIGKILL');
  }
  expect(agent.output.stdout).toContain('agent stopped');
  expect(agent.output.stdout).not.toContain('without a clean stop');
}, 60_000);

test('with --stop-on-stdin-close, the end of stdin (its supervisor gone) stops it cleanly', async () => {
  const agent = run(['--stop-on-stdin-close'], { OROCHI_URL: cp.url, OROCHI_REGISTRATION_TOKEN: cp.registrationToken(), OROCHI_AGENT_DATA_DIR: dir.path }, 'pipe');
  try {
    await cp.waitFor('hello', () => true, 30_000);
    agent.child.stdin!.end();
    expect(await agent.exited).toBe(0);
  } finally {
    agent.child.kill('SIGKILL');
  }
  expect(agent.output.stdout).toContain('stdin closed');
  expect(agent.output.stdout).toContain('agent stopped');
}, 60_000);
