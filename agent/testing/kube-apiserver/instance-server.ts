// Where the stand-in's pod endpoints find a Cluster's real server run by the local driver (local-instances.ts): its
// postmaster.pid, read as the native engine reads it (postmaster-pid.ts), says the postmaster's pid, port and socket
// directory, and whether it is ready. A server that is not running (hibernated, still starting, PGlite with no
// postmaster) has no pod to serve.
import { join } from 'node:path';
import { clusterDir } from '../../drivers/local/local-engine.ts';
import { readyPostmaster } from '../../drivers/local/postmaster-pid.ts';
import type { InstanceServer } from './cnpg-operator.ts';

/** The superuser the native engine's initdb makes (-U postgres), trusted over the cluster's socket. */
const SUPERUSER = 'postgres';

export async function runningInstanceServer(dataDir: string, localId: string, database: string): Promise<InstanceServer | null> {
  const dir = clusterDir(dataDir, localId);
  const postmaster = await readyPostmaster(join(dir, 'pgdata'));
  if (!postmaster) return null;
  return { ...postmaster, superuser: SUPERUSER, database, logFile: join(dir, 'postgres.log'), jsonLogDir: join(dir, 'pgdata', 'log') };
}
