// Postgres refuses to run as root, and CI runs as root. Then the servers (initdb, pg_ctl, postgres) run as an
// unprivileged OS user, `postgres` unless OROCHI_PG_OS_USER names another, and their directories belong to it.
// As any other user the agent runs them as itself and this module stays out of the way.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

export async function serverUser(): Promise<ServerUser | null> {
  if (process.getuid?.() !== 0) return null;
  const name = process.env.OROCHI_PG_OS_USER ?? 'postgres';
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', name]), execFileAsync('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(
      `the agent runs as root, Postgres refuses to, and the OS user "${name}" does not exist: create it or set OROCHI_PG_OS_USER`,
    );
  }
}

/** The command line that runs `file args` as `user` (or as is without one). */
export function commandAs(user: ServerUser | null, file: string, args: string[]): { file: string; args: string[] } {
  if (!user) return { file, args };
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser')) return { file: 'runuser', args: ['-u', user.name, '--', file, ...args] };
  return { file: 'setpriv', args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', file, ...args] };
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a server program (as the server user when there is one); a failure carries its output. */
export async function runAs(
  user: ServerUser | null,
  file: string,
  args: string[],
  options: { cwd: string; timeoutMs?: number },
): Promise<RunResult> {
  const command = commandAs(user, file, args);
  try {
    const { stdout, stderr } = await execFileAsync(command.file, command.args, {
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      // Not the agent's environment: it may hold the registration token, and servers outlive this call. The C
      // locale is always there, whereas one the server cannot load aborts initdb.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', TZ: 'UTC' },
    });
    return { stdout, stderr };
  } catch (error) {
    const failure = error as Error & { stdout?: string; stderr?: string; code?: unknown };
    const output = `${failure.stderr ?? ''}${failure.stdout ?? ''}`.trim().split('\n').slice(-8).join('\n');
    throw new Error(`${file.split('/').pop()} ${args[0] ?? ''} failed${output ? `: ${output}` : ` (${failure.message})`}`);
  }
}

/** Starts a server program whose output is a stream (pg_basebackup to stdout), as the server user when there is one. */
export function spawnAs(user: ServerUser | null, file: string, args: string[], options: { cwd: string }): ChildProcessWithoutNullStreams {
  const command = commandAs(user, file, args);
  return spawn(command.file, command.args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', TZ: 'UTC' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export async function chownToServerUser(user: ServerUser | null, path: string): Promise<void> {
  if (user) await chown(path, user.uid, user.gid);
}
