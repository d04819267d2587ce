// `npm start`: the whole control plane on this machine, offline, on embedded defaults (see dev/stack.ts).
// Ctrl-C stops everything; the next start reuses the data.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describeObjectStore } from '../agent/backup/object-store.ts';
import { root, startStack, type Stack } from './stack.ts';

const dataDir = resolve(process.env.OROCHI_DATA_DIR ?? resolve(root, '.orochi'));
const port = Number(process.env.PORT ?? 8787);

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

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function main(): Promise<void> {
  const started = Date.now();
  const pidFile = await claimDataDir();
  const external = process.env.DATABASE_URL;
  say(external ? `catalog: ${redact(external)} (DATABASE_URL)` : `catalog: embedded PGlite in ${resolve(dataDir, 'catalog')}`);
  let stack: Stack;
  try {
    stack = await startStack({
      dataDir,
      port,
      databaseUrl: external,
      appUrl: process.env.APP_URL,
      agent: process.env.OROCHI_AGENT !== 'off',
      wranglerLogLevel: process.env.WRANGLER_LOG,
    });
  } catch (error) {
    await rm(pidFile, { force: true });
    throw error;
  }

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await stack.stop();
    await rm(pidFile, { force: true });
    say(`stopped; data kept in ${dataDir}`);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  // localhost rather than 127.0.0.1: the session cookies are Secure, which browsers honour over http on localhost.
  say(`dashboard  ${stack.url.replace('127.0.0.1', 'localhost')}   (sign up there)`);
  say(`API        ${stack.url}/v1`);
  say(`API docs   ${stack.url}/docs   (OpenAPI: ${stack.url}/v1/openapi.json)`);
  say(`mailbox    ${stack.url}/v1/dev/mailbox?to=<email>   (sign-up and reset mails land here)`);
  say(`region     local (${stack.localRegionId}), agent ${stack.agent ? 'running' : 'off'}; clusters listen on 127.0.0.1`);
  say(`catalog    ${redact(stack.catalog.databaseUrl)}   (psql it to look inside)`);
  say(`backups    ${describeObjectStore(stack.objectStore)} (${stack.objectStore.embedded ? 'embedded' : 'S3_ENDPOINT'})`);
  say(`data       ${dataDir}`);
  say('press Ctrl-C to stop');
}

main().catch((error) => {
  process.stderr.write(`[orochi] failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
