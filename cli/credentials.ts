// The credentials `orochi auth login` keeps: $XDG_CONFIG_HOME/orochi/credentials.json (else ~/.config/orochi/),
// readable by the user alone (mode 600 in a 700 directory). A session's refresh token rotates on every use, so a
// refresh happens under a lock file: two commands run at once must not both spend the same refresh token, which
// the API would take for a stolen one and end the session.
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type Credentials =
  | { kind: 'api_key'; api_url: string; api_key: string }
  | {
      kind: 'session';
      api_url: string;
      email: string;
      org_id: string | null;
      access_token: string;
      /** Epoch milliseconds. */
      access_expires_at: number;
      refresh_token: string;
    };

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'orochi');
}

export const credentialsPath = (env?: NodeJS.ProcessEnv) => join(configDir(env), 'credentials.json');

export async function readCredentials(env?: NodeJS.ProcessEnv): Promise<Credentials | null> {
  try {
    return JSON.parse(await readFile(credentialsPath(env), 'utf8')) as Credentials;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function writeCredentials(credentials: Credentials, env?: NodeJS.ProcessEnv): Promise<void> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Written beside and renamed over, so a reader never sees half a file; the mode is set before the secret lands.
  const temp = join(dir, `.credentials.${process.pid}.tmp`);
  await writeFile(temp, '', { mode: 0o600 });
  await chmod(temp, 0o600);
  await writeFile(temp, JSON.stringify(credentials, null, 2) + '\n');
  await rename(temp, credentialsPath(env));
}

export async function removeCredentials(env?: NodeJS.ProcessEnv): Promise<boolean> {
  const path = credentialsPath(env);
  const existed = await stat(path).then(() => true, () => false);
  await rm(path, { force: true });
  return existed;
}

const LOCK_WAIT_MS = 10_000;
/** A lock older than this was left by a process that died holding it. */
const LOCK_STALE_MS = 30_000;

/** Runs `work` holding the credentials lock (an exclusively created file), waiting up to 10 s for it. */
export async function withCredentialsLock<T>(work: () => Promise<T>, env?: NodeJS.ProcessEnv): Promise<T> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = join(dir, 'credentials.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await (await open(lock, 'wx', 0o600)).close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > LOCK_STALE_MS) await rm(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is held by another orochi command; remove it if none is running`);
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}
