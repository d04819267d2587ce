// The agent's durable memory, `<data-dir>/state.json`: its region credential and key, and per cluster the
// generation it applied, the command it applied (whose spec holds the password only sealed) and what the
// driver needs to find the cluster again (engine, port). A restart picks up exactly where the last run was.
//
// Written whole, atomically (temp file, fsync, rename) and mode 0600: it holds the credential and region key.
// Writes are serialised and coalesced, and `commit()` resolves once every change made before it is on disk,
// which is what an `ack` promises the control plane.
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { commandSchema } from '../protocol/agent.ts';

const clusterRecordSchema = z.object({
  /** The newest generation applied (or attempted: see `failure`); 0 before the first. */
  applied_generation: z.number().int().min(0),
  /** The command behind `applied_generation`: the spec the cluster is converged to. */
  applied: commandSchema.nullable(),
  /** A newer command received and acknowledged but not applied yet. */
  pending: commandSchema.nullable(),
  /** Why applying `applied` failed; the reconciler retries while this is set. */
  failure: z.string().nullable(),
  /** The driver's own record of the cluster (local: engine, version, port). */
  driver: z.record(z.string(), z.unknown()).nullable(),
  /** Backups asked for on demand that were taken (or failed), newest first: each id is taken once. */
  backups_taken: z.array(z.string()).default([]),
  /** When the cluster's schedule last took a backup (or was first seen): the next is due after it. */
  last_scheduled_backup_at: z.string().nullable().default(null),
  updated_at: z.string(),
});
export type ClusterRecord = z.infer<typeof clusterRecordSchema>;

const agentStateSchema = z.object({
  version: z.literal(1),
  region_id: z.string().nullable(),
  credential: z.string().nullable(),
  expires_at: z.string().nullable(),
  /** When the credential was issued to us, to renew at a fraction of its lifetime. */
  obtained_at: z.string().nullable(),
  region_key: z.string().nullable(),
  /** Hash of the registration token last exchanged, so a different token given later means "register again". */
  registration_token_sha256: z.string().nullable(),
  clusters: z.record(z.string(), clusterRecordSchema),
});
export type AgentState = z.infer<typeof agentStateSchema>;

function emptyState(): AgentState {
  return {
    version: 1,
    region_id: null,
    credential: null,
    expires_at: null,
    obtained_at: null,
    region_key: null,
    registration_token_sha256: null,
    clusters: {},
  };
}

export class StateStore {
  private changes = 0;
  private written = 0;
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly data: AgentState,
  ) {}

  /** Loads `<dataDir>/state.json`, or starts empty. A file that does not parse is an error, never reset. */
  static async open(dataDir: string): Promise<StateStore> {
    const path = join(dataDir, 'state.json');
    let text: string | null = null;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === null) return new StateStore(path, emptyState());
    const parsed = agentStateSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      // Starting over would forget applied generations and the credential; an operator must look at it.
      throw new Error(`${path} is not a valid agent state file: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    return new StateStore(path, parsed.data);
  }

  cluster(clusterId: string): ClusterRecord | undefined {
    return this.data.clusters[clusterId];
  }

  ensureCluster(clusterId: string): ClusterRecord {
    let record = this.data.clusters[clusterId];
    if (!record) {
      record = { applied_generation: 0, applied: null, pending: null, failure: null, driver: null, backups_taken: [], last_scheduled_backup_at: null, updated_at: new Date().toISOString() };
      this.data.clusters[clusterId] = record;
    }
    return record;
  }

  /** Resolves when every change made to `data` before this call is on disk. */
  commit(): Promise<void> {
    const wanted = ++this.changes;
    // A failed write fails its own callers only; the next commit tries again with everything.
    const run = this.chain
      .catch(() => undefined)
      .then(async () => {
        if (this.written >= wanted) return;
        const upTo = this.changes;
        await this.write(JSON.stringify(this.data, null, 2));
        this.written = upTo;
      });
    this.chain = run;
    return run;
  }

  private async write(text: string): Promise<void> {
    const temp = `${this.path}.${process.pid}.tmp`;
    await rm(temp, { force: true });
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(text);
      await file.sync();
    } catch (error) {
      await file.close();
      await rm(temp, { force: true });
      throw error;
    }
    await file.close();
    await rename(temp, this.path);
  }
}
