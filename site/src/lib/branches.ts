// A database's family as the Branches tab draws it: its parent (if it has one), itself, its branches and theirs,
// built from the clusters read (GET /v1/clusters/{id}/branches gives the direct children) and kept current from
// `cluster.status` events on the organization's channel (a new branch appears, a deleted one leaves).
import type { Backup, Cluster } from '../../../protocol/resources.ts';
import { dateTime, preciseTime } from './format.ts';

/** What the tree needs of a cluster. */
export type BranchCluster = Pick<Cluster, 'id' | 'name' | 'status' | 'parent_id' | 'source' | 'created_at' | 'updated_at'>;

export interface BranchNode<C extends BranchCluster = BranchCluster> {
  cluster: C;
  /** Oldest first, as branches were made. */
  children: BranchNode<C>[];
}

/**
 * The tree under `rootId` from a flat list of clusters (each linked by `parent_id`), at most `depth` levels below
 * the root; null when the root is not in the list. Deleted clusters are left out; a cycle cannot loop.
 */
export function branchTree<C extends BranchCluster>(rootId: string, clusters: readonly C[], depth = 3): BranchNode<C> | null {
  const byParent = new Map<string, C[]>();
  const byId = new Map<string, C>();
  for (const c of clusters) {
    if (c.status === 'deleted' || byId.has(c.id)) continue;
    byId.set(c.id, c);
    if (c.parent_id) byParent.set(c.parent_id, [...(byParent.get(c.parent_id) ?? []), c]);
  }
  const root = byId.get(rootId);
  if (!root) return null;
  const seen = new Set<string>();
  const build = (cluster: C, level: number): BranchNode<C> => {
    seen.add(cluster.id);
    const children = level >= depth ? [] : (byParent.get(cluster.id) ?? []).filter((c) => !seen.has(c.id));
    children.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
    return { cluster, children: children.map((c) => build(c, level + 1)) };
  };
  return build(root, 0);
}

/** The clusters known after one changed: the fresher copy kept (by `updated_at`), a new one added. */
export function withCluster<C extends BranchCluster>(list: readonly C[], cluster: C): C[] {
  const index = list.findIndex((c) => c.id === cluster.id);
  if (index < 0) return [...list, cluster];
  const shown = list[index]!;
  if (Date.parse(cluster.updated_at) < Date.parse(shown.updated_at)) return list.slice();
  const next = list.slice();
  next[index] = cluster;
  return next;
}

/** Whether a cluster belongs in the family drawn: it is in it already, or it branched from a member. */
export function belongsToFamily(list: readonly Pick<BranchCluster, 'id'>[], cluster: Pick<BranchCluster, 'id' | 'parent_id'>): boolean {
  return list.some((c) => c.id === cluster.id || c.id === cluster.parent_id);
}

/** Where a branch's data came from, in words: "at Nov 27, 2026, 6:04:05 PM", "from the backup of …", "from the newest state then". */
export function sourceWords(source: BranchCluster['source'], backups: readonly Pick<Backup, 'id' | 'started_at' | 'created_at'>[] = []): string {
  if (!source) return '';
  if (source.backup_id) {
    const backup = backups.find((b) => b.id === source.backup_id);
    return backup ? `from the backup of ${dateTime(backup.started_at ?? backup.created_at)}` : `from backup ${source.backup_id}`;
  }
  if (source.target_time) return `at ${preciseTime(source.target_time)}`;
  return 'from the newest state then';
}
