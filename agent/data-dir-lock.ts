// One agent per data directory: two would both start the same clusters' servers and overwrite each other's
// state file. The claim is a pid file (a stale one from a crashed agent is taken over) plus an in-process
// set, since tests and `npm start` may run agents inside one process.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const claimedHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  const dir = resolve(dataDir);
  if (claimedHere.has(dir)) throw new Error(`another agent in this process is using ${dir}`);
  const pidFile = join(dir, 'agent.pid');
  let holder = 0;
  try {
    holder = Number((await readFile(pidFile, 'utf8')).trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(`another agent (pid ${holder}) is using ${dir}; stop it or choose another --data-dir`);
  }
  claimedHere.add(dir);
  await writeFile(pidFile, String(process.pid), { mode: 0o600 });
  return async () => {
    claimedHere.delete(dir);
    await rm(pidFile, { force: true });
  };
}
