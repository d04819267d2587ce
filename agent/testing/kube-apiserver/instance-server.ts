// Where the stand-in's pod endpoints find a Cluster's real server run by the local driver (local-instances.ts): its
// postmaster.pid says the postmaster's pid, port and socket directory, and whether it is ready. A server that is not
// running (hibernated, still starting, PGlite with no postmaster) has no pod to serve.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterDir } from '../../drivers/local/local-engine.ts';
import type { InstanceServer } from './cnpg-operator.ts';

/** The superuser the native engine's initdb makes (-U postgres), trusted over the cluster's socket. */
const SUPERUSER = 'postgres';

export async function runningInstanceServer(dataDir: string, localId: string, database: string): Promise<InstanceServer | null> {
  const dir = clusterDir(dataDir, localId);
  let lines: string[];
  try {
    lines = (await readFile(join(dir, 'pgdata', 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return null;
  }
  // postmaster.pid: pid, data dir, start time, port, socket dir, listen address, shmem key, status.
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !port || lines[7]?.trim() !== 'ready') return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return { pid, startedAt: Number(lines[2]) * 1000, port, socketDir: lines[4]!.trim(), superuser: SUPERUSER, database, logFile: join(dir, 'postgres.log'), jsonLogDir: join(dir, 'pgdata', 'log') };
}
