// The database's family for the Branches tab: its parent (when it is a branch), its branches and their branches,
// read once (GET /v1/clusters/{id} for the parent, GET /v1/clusters/{id}/branches per level) and kept current from
// `cluster.status` on the organization's channel: a new branch of a member appears, a status changes, a deleted
// branch leaves. While the socket is down everything is read again every few seconds.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, ApiFailure, errorText, unwrap } from '../../lib/api.ts';
import { belongsToFamily, withCluster } from '../../lib/branches.ts';
import { useRealtime, type RealtimeHandlers } from '../../lib/realtime.ts';
import type { Cluster } from './model.ts';

/** Levels of branches read below this database: its branches and theirs. */
export const BRANCH_LEVELS = 2;

export interface BranchesState {
  /** The family as read so far (this database included), or null until the first read answers. */
  family: Cluster[] | null;
  /** The parent could not be read: deleted, or gone from the organization. */
  parentMissing: boolean;
  error: string | null;
  /** Puts a cluster an answer carried (a branch just made) into the family. */
  apply: (cluster: Cluster) => void;
}

async function branchesOf(ids: string[]): Promise<Cluster[]> {
  const lists = await Promise.all(ids.map((id) => unwrap(api.v1.clusters[':id'].branches.$get({ param: { id } }))));
  return lists.flatMap((l) => l.data);
}

export function useBranches(cluster: Cluster): BranchesState {
  const [family, setFamily] = useState<Cluster[] | null>(null);
  const [parentMissing, setParentMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { id, parent_id: parentId, org_id: orgId } = cluster;

  const load = useCallback(async () => {
    try {
      const parent = parentId
        ? await unwrap(api.v1.clusters[':id'].$get({ param: { id: parentId } })).then(
            (r) => r.cluster,
            (e: unknown) => {
              if (e instanceof ApiFailure && e.status === 404) return null;
              throw e;
            },
          )
        : null;
      const read: Cluster[] = [];
      let level = [id];
      for (let depth = 0; depth < BRANCH_LEVELS && level.length > 0; depth++) {
        const children = await branchesOf(level);
        read.push(...children);
        level = children.map((c) => c.id);
      }
      setParentMissing(Boolean(parentId) && (!parent || parent.status === 'deleted'));
      setFamily((shown) => {
        let next = [...(parent && parent.status !== 'deleted' ? [parent] : []), ...read];
        // Keep the fresher copy of anything a live update brought while the reads ran.
        for (const c of shown ?? []) if (next.some((n) => n.id === c.id)) next = withCluster(next, c);
        return next;
      });
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [id, parentId]);

  useEffect(() => {
    void load();
  }, [load]);

  const apply = useCallback((next: Cluster) => setFamily((list) => withCluster(list ?? [], next)), []);

  const handlers = useMemo<RealtimeHandlers>(
    () => ({
      'cluster.status': ({ cluster: next }) => {
        setFamily((list) => {
          const members = [...(list ?? []), { id, parent_id: parentId }];
          return belongsToFamily(members, next) ? withCluster(list ?? [], next) : list;
        });
      },
    }),
    [id, parentId],
  );
  useRealtime(orgId, [`org:${orgId}`], handlers, load);

  // This database as the page holds it (its own status arrives on its channel).
  const withSelf = useMemo(() => (family ? withCluster(family, cluster) : null), [family, cluster]);
  return { family: withSelf, parentMissing, error, apply };
}
