// The `orochi` CLI run as a process, as a user runs it, against the whole local stack: sign in with email and
// password into a config directory of its own, create a cluster and follow it to running, list it, run SQL, read
// its connection string and open psql, a retried create that creates once, --dry-run that sends nothing, a
// session refreshed when its access token has expired, the exit codes of a 404 and of a usage error, delete and
// follow it to the end, and sign out.
import { execFile } from 'node:child_process';
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

  it('creates a cluster with --wait, following it live to running with a progress line', async () => {
    const regions = json(await orochi(['regions', '-o', 'json']));
    expect(regions.map((r: { id: string }) => r.id)).toContain(stack.localRegionId);

    const started = Date.now();
    const created = await orochi(['clusters', 'create', 'cli-orders', '--region', stack.localRegionId, '--password', PASSWORD, '--wait', '--timeout', '150', '--idempotency-key', 'cli-create-1', '-o', 'json'], {}, 180_000);
    const body = json(created);
    expect(body.cluster).toMatchObject({ name: 'cli-orders', status: 'running' });
    expect(body.operation).toMatchObject({ action: 'create', status: 'finished' });
    clusterId = body.cluster.id;
    // Progress on stderr, one line per change, ending with the finished operation; the cluster's status in it
    // came from the realtime channel (polling reads only the operation).
    const progress = created.stderr.trim().split('\n');
    expect(progress.at(-1)).toMatch(new RegExp(`^create ${body.operation.id}: finished, cluster running, \\d+s$`));
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

  it('--dry-run prints the request and sends nothing', async () => {
    const deletion = json(await orochi(['clusters', 'delete', clusterId, '--dry-run', '-o', 'json']));
    expect(deletion).toMatchObject({ dry_run: true, request: { method: 'DELETE', url: `${stack.url}/v1/clusters/${clusterId}`, body: null } });
    expect(deletion.request.headers.authorization).toBe('Bearer <redacted>');
    const creation = json(await orochi(['clusters', 'create', 'never-made', '--region', stack.localRegionId, '--dry-run', '-o', 'json']));
    expect(creation.request).toMatchObject({ method: 'POST', body: { name: 'never-made', region_id: stack.localRegionId } });
    expect(creation.request.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);

    const seen = await client.api('GET', '/v1/clusters?limit=100', token);
    expect(seen.body.data.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([[clusterId, 'running']]);
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

    expect(json(await orochi(['auth', 'logout', '-o', 'json']))).toEqual({ signed_out: true });
    await expect(stat(credentialsFile())).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await orochi(['clusters', 'list'])).code).toBe(3);
  }, 150_000);
});
