// postmaster.pid, where a running PostgreSQL server says who it is (src/include/utils/pidfile.h): one a line, its
// pid, data directory, start time, port, socket directory, listen address, shared memory key and status.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ReadyPostmaster {
  pid: number;
  /** When the postmaster started, in ms since the epoch. */
  startedAt: number;
  port: number;
  socketDir: string;
}

/** The postmaster of `pgdata` when it says it is ready and its process lives; null when stopped, starting or gone. */
export async function readyPostmaster(pgdata: string): Promise<ReadyPostmaster | null> {
  let lines: string[];
  try {
    lines = (await readFile(join(pgdata, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !port || lines[7]?.trim() !== 'ready') return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process lives but is the server user's, not ours.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return { pid, startedAt: Number(lines[2]) * 1000, port, socketDir: lines[4]?.trim() ?? '' };
}
