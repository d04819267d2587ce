// The `orochi` CLI run as a process, as a user runs it, against the whole local stack: sign in with email and
// password into a config directory of its own, create a cluster and follow it to running, list it, run SQL, read
// its connection string and open psql, a retried create that creates once, --dry-run that sends nothing, a
// session refreshed when its access token has expired, the exit codes of a 404 and of a usage error, delete and
// follow it to the end, and sign out.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNativeInstallations } from '../agent/drivers/local/native-binaries.ts';
import { removeDataDir, root, startStack, type Stack } from '../dev/stack.ts';
import { stackClient } from './stack-client.ts';

const hasNative = (await findNativeInstallations()).length > 0;
const run = hasNative || process.env.CI === 'true';
const PASSWORD = 'cli-cluster-password-1';
const EMAIL = `cli-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
const ACCOUNT_PASSWORD = 'cli account password';

let stack: Stack;
let dataDir: string;
let home: string;
let token: string;
let client: ReturnType<typeof stackClient>;
let clusterId: string;
const logs: string[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `orochi ...` as a process with its own HOME and config directory, bounded in time. */
function orochi(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'cli/bin.mjs'), ...args],
      {
        cwd: home,
        timeout: timeoutMs,
        env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'config'), OROCHI_API_URL: stack.url, ...env },
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

const json = (result: Run) => {
  expect(result.code, `exit ${result.code}\n${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout);
};
const credentialsFile = () => join(home, 'config', 'orochi', 'credentials.json');

/** `orochi logs --follow` as a process: markers are written until one arrives (the follower subscribes, or starts
 * polling, after printing the history), then it is interrupted and must exit 0. */
async function followsLive(env: Record<string, string>): Promise<void> {
  const follower = spawn(process.execPath, [join(root, 'cli/bin.mjs'), 'logs', clusterId, '--follow', '--search', 'nothing-matches-this', '-o', 'json'], {
    cwd: home,
    env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'config'), OROCHI_API_URL: stack.url, ...env },
  });
  let streamed = '';
  follower.stdout.on('data', (chunk: Buffer) => (streamed += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => follower.once('exit', (code) => resolve(code)));
  try {
    const live = `cli-live-${Date.now().toString(36)}`;
    const until = Date.now() + 30_000;
    for (let i = 0; Date.now() < until && !streamed.includes(live); i++) {
      await orochi(['sql', clusterId, `do $$ begin raise log '${live}-${i}'; end $$`, '-o', 'json']);
      await new Promise((r) => setTimeout(r, 500));
    }
    const line = JSON.parse(streamed.split('\n').find((l) => l.includes(live))!);
    expect(line).toMatchObject({ level: 'info', sqlstate: null });
    expect(line.message).toContain(live);
  } finally {
    follower.kill('SIGINT');
  }
  expect(await exited).toBe(0);
}

beforeAll(async () => {
  if (!run) return;
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-e2e-cli-'));
  home = await mkdtemp(join(tmpdir(), 'orochi-e2e-cli-home-'));
  const port = 33787 + Math.floor(Math.random() * 1000);
  stack = await startStack({ dataDir, port, wranglerLogLevel: 'warn', output: (source, line) => logs.push(`[${source}] ${line}`) });
  client = stackClient(stack);
  const registered = await client.api('POST', '/v1/auth/register', null, { email: EMAIL, password: ACCOUNT_PASSWORD });
  expect(registered.status).toBe(201);
  token = registered.body.access_token;
  const catalog = new pg.Client({ connectionString: stack.catalog.databaseUrl });
  await catalog.connect();
  await catalog.query('update organizations set plan = $2 where id = $1', [registered.body.organization.id, 'enterprise']);
  await catalog.end();
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  if (dataDir) await removeDataDir(dataDir);
  if (home) await rm(home, { recursive: true, force: true });
}, 60_000);

describe.runIf(run)('the orochi CLI on the local stack', () => {
  it('signs in with email and password into the user config directory, readable by the user alone', async () => {
    const signedIn = json(await orochi(['auth', 'login', '--email', EMAIL, '--password', ACCOUNT_PASSWORD, '-o', 'json']));
    expect(signedIn).toMatchObject({ kind: 'session', email: EMAIL, api_url: stack.url, credentials: credentialsFile() });
    expect((await stat(credentialsFile())).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'config', 'orochi'))).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await readFile(credentialsFile(), 'utf8'));
    expect(stored).toMatchObject({ kind: 'session', email: EMAIL, org_id: signedIn.org_id });
    expect(stored.refresh_token).toEqual(expect.any(String));
    // The password itself is never kept.
    expect(await readFile(credentialsFile(), 'utf8')).not.toContain(ACCOUNT_PASSWORD);

    const wrong = await orochi(['auth', 'login', '--email', EMAIL, '--password', 'not the password', '-o', 'json'], { XDG_CONFIG_HOME: join(home, 'elsewhere') });
    expect(wrong.code).toBe(3);
    expect(JSON.parse(wrong.stderr).error).toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it.runIf(existsSync('/usr/bin/script'))('asks for the email and the password on a terminal, without echoing the password', async () => {
    // util-linux `script` gives the CLI a pseudo-terminal; answers are typed once each prompt has appeared.
    const configHome = join(home, 'typed');
    const command = `${process.execPath} ${join(root, 'cli/bin.mjs')} auth login -o json`;
    const terminal = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: configHome, OROCHI_API_URL: stack.url, TERM: 'dumb' },
    });
    let screen = '';
    terminal.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => terminal.once('exit', (code) => resolve(code)));
    const shown = async (text: string) => {
      const until = Date.now() + 15_000;
      while (!screen.includes(text) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(screen).toContain(text);
    };
    try {
      await shown('Email: ');
      terminal.stdin.write(`${EMAIL}\r`);
      await shown('Password: ');
      terminal.stdin.write(`${ACCOUNT_PASSWORD}\r`);
      expect(await exited).toBe(0);
    } finally {
      terminal.kill();
    }
    expect(screen).toContain(EMAIL);
    expect(screen).not.toContain(ACCOUNT_PASSWORD);
    expect(JSON.parse(await readFile(join(configHome, 'orochi', 'credentials.json'), 'utf8'))).toMatchObject({ kind: 'session', email: EMAIL });
  });

  it('creates a cluster with --wait, following it live to running with a progress line', async () => {
    const regions = json(await orochi(['regions', '-o', 'json']));
    expect(regions.map((r: { id: string }) => r.id)).toContain(stack.localRegionId);

    const started = Date.now();
    const created = await orochi(['clusters', 'create', 'cli-orders', '--region', stack.localRegionId, '--password', PASSWORD, '--wait', '--timeout', '150', '--idempotency-key', 'cli-create-1', '-o', 'json'], {}, 180_000);
    const body = json(created);
    expect(body.cluster).toMatchObject({ name: 'cli-orders', status: 'running' });
    expect(body.operation).toMatchObject({ action: 'create', status: 'finished' });
    clusterId = body.cluster.id;
    // Progress on stderr, one line per change, ending with the finished operation; followed live, so with no
    // note of polling.
    const progress = created.stderr.trim().split('\n');
    expect(progress.at(-1)).toMatch(new RegExp(`^create ${body.operation.id}: finished(, cluster running)?, \\d+s$`));
    expect(created.stderr).not.toContain('by polling');
    console.log(`clusters create --wait: ${Date.now() - started} ms, ${progress.length} progress lines`);
  }, 200_000);

  it('a create retried with the same Idempotency-Key answers the first response and creates nothing more', async () => {
    const again = json(await orochi(['clusters', 'create', 'cli-orders', '--region', stack.localRegionId, '--password', PASSWORD, '--idempotency-key', 'cli-create-1', '-o', 'json']));
    expect(again.cluster.id).toBe(clusterId);
    const listed = json(await orochi(['clusters', 'list', '-o', 'json']));
    expect(listed.filter((c: { name: string }) => c.name === 'cli-orders').map((c: { id: string }) => c.id)).toEqual([clusterId]);
    expect(listed[0]).toMatchObject({ id: clusterId, status: 'running', region_id: stack.localRegionId });

    const table = await orochi(['clusters', 'list', '-o', 'table']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATUS\s+REGION\s+SIZE\s+VERSION\s+ENDPOINT$/);
    expect(table.stdout).toMatch(new RegExp(`^${clusterId}\\s+cli-orders\\s+running\\s`, 'm'));
  });

  it('runs SQL through the API, by the cluster\'s name', async () => {
    const result = json(await orochi(['sql', 'cli-orders', 'select 1 as one, \'a\' as letter', '-o', 'json']));
    expect(result.columns.map((c: { name: string }) => c.name)).toEqual(['one', 'letter']);
    expect(result.rows).toEqual([[1, 'a']]);
    const table = await orochi(['sql', clusterId, 'select 1 as one', '-o', 'table']);
    expect(table.stdout).toBe('one\n1\n');
    const failed = await orochi(['sql', clusterId, 'select nope', '-o', 'json']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stderr).error).toMatchObject({ code: 'sql_error', status: 422 });
  });

  it('prints the connection string, the password only with --reveal, and opens psql with it', async () => {
    const plain = await orochi(['clusters', 'connection-string', clusterId, '-o', 'table']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^postgres(ql)?:\/\/app(:\*+)?@[^\s]+\n$/);
    expect(plain.stdout).not.toContain(PASSWORD);
    const revealed = json(await orochi(['clusters', 'connection-string', clusterId, '--reveal', '-o', 'json']));
    expect(revealed.password).toBe(PASSWORD);

    const psql = await orochi(['psql', clusterId, '--', '-tAc', 'select 40 + 2']);
    expect(psql.code, psql.stderr).toBe(0);
    expect(psql.stdout.trim()).toBe('42');
    const missing = await orochi(['psql', clusterId, '-o', 'json'], { OROCHI_PSQL: join(home, 'no-such-psql') });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr).error.message).toMatch(/no-such-psql was not found: install the PostgreSQL client/);
  });

  it('shows the log, and --follow prints a new line as it is written until interrupted', async () => {
    const marker = `cli-marker-${Date.now().toString(36)}`;
    json(await orochi(['sql', clusterId, `do $$ begin raise log '${marker}'; end $$`, '-o', 'json']));
    const deadline = Date.now() + 20_000;
    let history: Array<{ message: string; level: string }> = [];
    while (Date.now() < deadline && !history.some((e) => e.message.includes(marker))) {
      history = json(await orochi(['logs', clusterId, '--search', marker, '-o', 'json']));
    }
    expect(history.map((e) => e.message).join('\n')).toContain(marker);
    const table = await orochi(['logs', clusterId, '--search', marker, '-o', 'table']);
    expect(table.stdout).toMatch(new RegExp(`^LINE\n\\d{4}-\\d\\d-\\d\\dT[^ ]+ INFO {4}.*${marker}`));

    await followsLive({});
  }, 90_000);

  it('shows metrics as a compact table, and the series in JSON', async () => {
    const metrics = json(await orochi(['metrics', clusterId, '--last', '15m', '-o', 'json']));
    expect(metrics).toMatchObject({ cluster_id: clusterId, step_seconds: expect.any(Number) });
    expect(Object.keys(metrics.series).sort()).toEqual(['connections_active', 'cpu_percent', 'database_size_bytes', 'memory_bytes', 'transactions_per_second']);
    const table = await orochi(['metrics', clusterId, '--series', 'connections_active,database_size_bytes', '-o', 'table']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^(TIME {2,}CONNECTIONS_ACTIVE {2}DATABASE_SIZE_BYTES|\(none\))$/);
    expect((await orochi(['metrics', clusterId, '--last', 'a while'])).code).toBe(2);
  });

  it('takes a backup with --wait and lists it', async () => {
    const taken = json(await orochi(['backups', 'create', clusterId, '--wait', '--timeout', '120', '-o', 'json'], {}, 150_000));
    expect(taken.backup).toMatchObject({ cluster_id: clusterId, status: 'completed' });
    const listed = json(await orochi(['backups', 'list', clusterId, '-o', 'json']));
    expect(listed.map((b: { id: string }) => b.id)).toContain(taken.backup.id);
  }, 180_000);

  it('signs in with an API key, and --wait and logs --follow go over the realtime socket with it', async () => {
    const created = await client.api('POST', '/v1/api-keys', token, { name: 'cli', role: 'developer' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const keyHome = { XDG_CONFIG_HOME: join(home, 'key-config') };
    const signedIn = json(await orochi(['auth', 'login', '--api-key', created.body.secret, '-o', 'json'], keyHome));
    expect(signedIn).toMatchObject({ kind: 'api_key' });
    expect(JSON.stringify(signedIn)).not.toContain(created.body.secret);
    expect((await stat(join(home, 'key-config', 'orochi', 'credentials.json'))).mode & 0o777).toBe(0o600);
    expect(json(await orochi(['clusters', 'list', '-o', 'json'], keyHome)).map((c: { id: string }) => c.id)).toEqual([clusterId]);
    await followsLive(keyHome);

    const slept = await orochi(['clusters', 'sleep', clusterId, '--wait', '--timeout', '60', '-o', 'json'], keyHome, 90_000);
    expect(json(slept)).toMatchObject({ cluster: { status: 'sleeping' }, operation: { action: 'sleep', status: 'finished' } });
    // Live: the socket opened and subscribed with the key, so no note of polling.
    expect(slept.stderr).not.toContain('by polling');
    expect(slept.stderr).toMatch(/^sleep op_\w+: finished(, cluster \w+)?, \d+s$/m);

    const refused = await orochi(['auth', 'login', '--api-key', 'oro_not_a_real_key_at_all', '-o', 'json'], { XDG_CONFIG_HOME: join(home, 'bad-key') });
    expect(refused.code).toBe(3);
  }, 120_000);

  it('wakes with --wait over the realtime socket, and shows and waits for an operation', async () => {
    const woken = json(await orochi(['clusters', 'wake', clusterId, '--wait', '--timeout', '60', '-o', 'json'], {}, 90_000));
    expect(woken).toMatchObject({ cluster: { status: 'running' }, operation: { action: 'wake', status: 'finished' } });
    const shown = json(await orochi(['operations', 'get', woken.operation.id, '-o', 'json']));
    expect(shown).toMatchObject({ id: woken.operation.id, action: 'wake', status: 'finished' });
    const waited = await orochi(['operations', 'wait', woken.operation.id, '-o', 'table']);
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(new RegExp(`^ID: +${woken.operation.id}\nACTION: +wake\nSTATUS: +finished\n`));
  }, 120_000);

  it('resizes with --wait, and branches from the backup into a new cluster that lists under its parent', async () => {
    const resized = json(await orochi(['clusters', 'resize', clusterId, '--size', 'small', '--wait', '--timeout', '90', '-o', 'json'], {}, 120_000));
    expect(resized).toMatchObject({ cluster: { size: 'small', status: 'running' }, operation: { status: 'finished' } });

    const [backup] = json(await orochi(['backups', 'list', clusterId, '-o', 'json']));
    const branched = json(await orochi(['branches', 'create', 'cli-orders', 'cli-branch', '--backup', backup.id, '--wait', '--timeout', '120', '-o', 'json'], {}, 150_000));
    expect(branched.cluster).toMatchObject({ name: 'cli-branch', status: 'running', parent_id: clusterId, source: { cluster_id: clusterId, backup_id: backup.id } });
    const branches = json(await orochi(['branches', 'list', clusterId, '-o', 'json']));
    expect(branches.map((c: { id: string }) => c.id)).toEqual([branched.cluster.id]);
    json(await orochi(['clusters', 'delete', branched.cluster.id, '--wait', '--timeout', '90', '-o', 'json'], {}, 120_000));
  }, 300_000);

  it('--dry-run prints the request and sends nothing', async () => {
    const deletion = json(await orochi(['clusters', 'delete', clusterId, '--dry-run', '-o', 'json']));
    expect(deletion).toMatchObject({ dry_run: true, request: { method: 'DELETE', url: `${stack.url}/v1/clusters/${clusterId}`, body: null } });
    expect(deletion.request.headers.authorization).toBe('Bearer <redacted>');
    const creation = json(await orochi(['clusters', 'create', 'never-made', '--region', stack.localRegionId, '--dry-run', '-o', 'json']));
    expect(creation.request).toMatchObject({ method: 'POST', body: { name: 'never-made', region_id: stack.localRegionId } });
    expect(creation.request.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);

    const seen = await client.api('GET', '/v1/clusters?limit=100', token);
    expect(seen.body.data.filter((c: { status: string }) => c.status !== 'deleted').map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([[clusterId, 'running']]);
  });

  it('refreshes an expired access token with the stored refresh token, and keeps the new pair', async () => {
    const before = JSON.parse(await readFile(credentialsFile(), 'utf8'));
    await writeFile(credentialsFile(), JSON.stringify({ ...before, access_expires_at: Date.now() - 1000 }));
    const got = json(await orochi(['clusters', 'get', clusterId, '-o', 'json']));
    expect(got.id).toBe(clusterId);
    const after = JSON.parse(await readFile(credentialsFile(), 'utf8'));
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after.access_expires_at).toBeGreaterThan(Date.now() + 60_000);
  });

  it('answers exit 4 for what does not exist and 2 for a usage error', async () => {
    const missing = await orochi(['clusters', 'get', 'cl_01jd3k5x8r2m9q7v4w6y0z1a2b', '-o', 'json']);
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.stderr).error).toMatchObject({ code: 'not_found', status: 404, exit_code: 4 });
    expect((await orochi(['operations', 'get', 'op_01jd3k5x8r2m9q7v4w6y0z1a2b'])).code).toBe(4);
    expect((await orochi(['clusters', 'get', 'no-such-name'])).code).toBe(4);

    const usage = await orochi(['clusters', 'resize', clusterId, '-o', 'json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr).error).toMatchObject({ code: 'usage', message: 'Give at least one of --size, --instances, --storage-gb' });
    expect((await orochi(['clusters', 'frobnicate'])).code).toBe(2);
  });

  it('deletes the cluster with --wait, then signs out', async () => {
    const deleted = json(await orochi(['clusters', 'delete', clusterId, '--wait', '--timeout', '90', '-o', 'json'], {}, 120_000));
    expect(deleted.operation).toMatchObject({ action: 'delete', status: 'finished' });
    const gone = await client.api('GET', `/v1/clusters/${clusterId}`, token);
    expect(gone.status === 404 || gone.body.cluster?.status === 'deleted', JSON.stringify(gone.body)).toBe(true);

    const { access_token: accessToken } = JSON.parse(await readFile(credentialsFile(), 'utf8'));
    expect((await client.api('GET', '/v1/auth/me', accessToken)).status).toBe(200);
    expect(json(await orochi(['auth', 'logout', '-o', 'json']))).toEqual({ signed_out: true });
    // The session ended on the server too, not only in the file.
    expect((await client.api('GET', '/v1/auth/me', accessToken)).status).toBe(401);
    await expect(stat(credentialsFile())).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await orochi(['clusters', 'list'])).code).toBe(3);
  }, 150_000);
});
