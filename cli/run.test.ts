// A run of the CLI in-process, with its streams captured: what --dry-run prints (and that nothing reaches the
// API), the exit codes of usage and sign-in failures, and the completion script as bash itself runs it.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from './commands/index.ts';
import { writeCredentials } from './credentials.ts';
import { EXIT } from './errors.ts';
import { run } from './run.ts';

let dir: string;
let server: Server;
let url: string;
let hits = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orochi-cli-run-'));
  server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), ...env },
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stdoutTty: false,
    stderrTty: false,
    prompt: async () => null,
  }, commands);
  return { code, stdout, stderr };
}

describe('a run of the CLI', () => {
  it('--dry-run prints the request with its Idempotency-Key and no secret, and sends nothing', async () => {
    const env = { XDG_CONFIG_HOME: join(dir, 'signed-in') };
    await writeCredentials({ kind: 'api_key', api_url: url, api_key: 'oro_secretsecretsecret' }, env);
    const before = hits;
    const result = await cli(['clusters', 'create', 'orders', '--region', 'rg_1', '--size', 'small', '--dry-run', '--idempotency-key', 'retry-1'], env);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(hits).toBe(before);
    expect(result.stdout).not.toContain('secretsecret');
    expect(JSON.parse(result.stdout)).toEqual({
      dry_run: true,
      request: {
        method: 'POST',
        url: `${url}/v1/clusters`,
        headers: { authorization: 'Bearer <redacted>', 'content-type': 'application/json', 'idempotency-key': 'retry-1' },
        body: { name: 'orders', region_id: 'rg_1', size: 'small' },
      },
    });
  });

  it('--dry-run in a table for a person, with a fresh key each time when none is given', async () => {
    const env = { XDG_CONFIG_HOME: join(dir, 'signed-in') };
    const first = await cli(['clusters', 'wake', 'cl_01abc', '--dry-run', '-o', 'table'], env);
    expect(first.stdout).toMatch(/^METHOD {2}URL {2,}HEADERS {2,}BODY\nPOST {4}http:\/\/127\.0\.0\.1:\d+\/v1\/clusters\/cl_01abc\/wake {2}\{"authorization":"Bearer <redacted>","idempotency-key":"[0-9a-f-]{36}"\}\n$/);
    const second = await cli(['clusters', 'wake', 'cl_01abc', '--dry-run', '-o', 'json'], env);
    const key = (out: string) => /"idempotency-key":\s*"([^"]+)"/.exec(out)?.[1];
    expect(key(second.stdout)).toBeDefined();
    expect(key(second.stdout)).not.toBe(key(first.stdout));
  });

  it('answers 2 for a usage error, in JSON when output is not a terminal', async () => {
    const result = await cli(['clusters', 'get']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stdout).toBe('');
    expect(JSON.parse(result.stderr)).toEqual({ error: { code: 'usage', message: 'Missing <cluster>: `orochi clusters get <cluster> [options]`', status: null, exit_code: 2 } });
    expect((await cli(['clusters'])).code).toBe(EXIT.usage);
    expect((await cli(['--help'])).code).toBe(EXIT.ok);
  });

  it('answers 3 when nobody is signed in', async () => {
    const result = await cli(['clusters', 'list', '--url', url, '-o', 'table']);
    expect(result.code).toBe(EXIT.auth);
    expect(result.stderr).toBe('error: Not signed in: run `orochi auth login` (or pass an API key with `orochi auth login --api-key`)\n');
  });

  it('sends credentials only to the API that issued them', async () => {
    const env = { XDG_CONFIG_HOME: join(dir, 'signed-in') };
    const before = hits;
    const result = await cli(['clusters', 'list', '--url', 'http://127.0.0.1:1', '-o', 'table'], { ...env, OROCHI_API_URL: url });
    expect(result.code).toBe(EXIT.auth);
    expect(result.stderr).toBe(`error: Signed in to ${url}, not http://127.0.0.1:1: run \`orochi auth login --url http://127.0.0.1:1\`\n`);
    expect(hits).toBe(before);
  });

  it('answers 1 when the API cannot be reached', async () => {
    const env = { XDG_CONFIG_HOME: join(dir, 'unreachable') };
    await writeCredentials({ kind: 'api_key', api_url: 'http://127.0.0.1:1', api_key: 'oro_secretsecretsecret' }, env);
    const result = await cli(['clusters', 'list', '-o', 'json'], env);
    expect(result.code).toBe(EXIT.api);
    expect(JSON.parse(result.stderr).error).toMatchObject({ code: 'network_error', message: 'Could not reach the API at http://127.0.0.1:1: fetch failed' });
  });
});

describe('shell completion', () => {
  const scripts = new Map<string, string>();
  const complete = (shell: 'bash' | 'zsh', words: string[]) => {
    if (!scripts.has(shell)) scripts.set(shell, execFileSync(process.execPath, [join(import.meta.dirname, 'bin.mjs'), 'completion', shell], { encoding: 'utf8' }));
    const script = scripts.get(shell)!;
    if (shell === 'zsh') return script;
    const line = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _orochi; echo "\${COMPREPLY[*]}"`;
    return execFileSync('bash', ['-c', line], { encoding: 'utf8' }).trim();
  };

  it('completes groups, their commands, options and output formats in bash', () => {
    expect(complete('bash', ['orochi', 'cl'])).toBe('clusters');
    expect(complete('bash', ['orochi', 'clusters', 'c'])).toBe('create connection-string');
    expect(complete('bash', ['orochi', 'clusters', 'delete', 'orders', '--p'])).toBe('--purge-backups');
    expect(complete('bash', ['orochi', 'logs', 'orders', '--f'])).toBe('--follow');
    expect(complete('bash', ['orochi', 'clusters', 'list', '-o', 'y'])).toBe('yaml');
  });

  it('writes zsh a script through bashcompinit', () => {
    expect(complete('zsh', [])).toMatch(/^# orochi completion for zsh.*\nautoload -U \+X bashcompinit && bashcompinit\n_orochi\(\) \{/);
  });
});
