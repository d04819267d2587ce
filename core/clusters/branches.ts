// Branches: new clusters made from a point of another cluster's history, in the same region (the history lives in
// that region's object store). A branch is created by POST /v1/clusters with `source`, and by an in-place restore,
// which keeps the state before it as a branch of the restored cluster (Neon's preserve_under_name).
import { and, eq, isNull } from 'drizzle-orm';
import { clusters } from '../../drizzle/schema.ts';
import { newId } from '../../protocol/ids.ts';
import { audit } from '../audit.ts';
import type { Queryable } from '../db.ts';
import type { RequestMeta } from '../request.ts';
import type { HistoryPoint } from './history-points.ts';
import { insertOperation } from './mutations.ts';
import type { ClusterRow, OperationRow } from './serialize.ts';

export interface BranchRequest {
  source: ClusterRow;
  point: HistoryPoint;
  name: string;
  projectId: string;
  passwordCiphertext: string;
  size?: ClusterRow['size'];
  settings?: Record<string, unknown>;
  /** Why it was made, for the audit log. */
  reason: 'branch' | 'restore';
}

/** Inserts the branch and its operation; the caller dispatches the operation after commit. */
export async function insertBranch(tx: Queryable, meta: RequestMeta, request: BranchRequest): Promise<{ cluster: ClusterRow; operation: OperationRow }> {
  const { source, point } = request;
  const [row] = await tx
    .insert(clusters)
    .values({
      id: newId('cl'),
      orgId: source.orgId,
      projectId: request.projectId,
      regionId: source.regionId,
      name: request.name,
      engine: source.engine,
      // The data is the source's: same major version, whatever the newest is now.
      version: source.version,
      tier: source.tier,
      size: request.size ?? source.size,
      instances: source.instances,
      storageGb: source.storageGb,
      settings: request.settings ?? source.settings,
      status: 'provisioning',
      desiredState: 'running',
      generation: 1,
      passwordCiphertext: request.passwordCiphertext,
      parentId: source.id,
      source: { cluster_id: source.id, backup_id: point.backup_id, target_time: point.target_time },
    })
    .returning();
  const operation = await insertOperation(tx, row!, 'branch');
  await audit(tx, meta, {
    orgId: source.orgId,
    action: 'cluster.branch',
    targetType: 'cluster',
    targetId: row!.id,
    metadata: { name: request.name, parent_id: source.id, backup_id: point.backup_id, target_time: point.target_time, reason: request.reason },
  });
  return { cluster: row!, operation };
}

/** A free name for the branch that keeps a cluster's state before a restore: `<name>-before-restore[-n]`, 63 characters at most. */
export async function preservedBranchName(db: Queryable, cluster: ClusterRow): Promise<string> {
  const base = `${cluster.name.slice(0, 40)}-before-restore`;
  const taken = new Set(
    (await db.select({ name: clusters.name }).from(clusters).where(and(eq(clusters.projectId, cluster.projectId), isNull(clusters.deletedAt)))).map(
      (row) => row.name,
    ),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}
