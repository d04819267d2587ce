// A cluster's backups, kept current: read once, then every `backup.updated` on the cluster's channel changes the
// list in place (a running backup completes, a removed one leaves). While the socket is down the list is read
// again every few seconds, and once more after it comes back.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, errorText, unwrap } from '../../lib/api.ts';
import { withBackup, withFetchedBackups } from '../../lib/backups.ts';
import { useRealtime, type RealtimeHandlers } from '../../lib/realtime.ts';
import type { Backup } from '../../../../protocol/resources.ts';
import type { Cluster } from './model.ts';

export interface BackupsState {
  /** Null until the first read answers. */
  backups: Backup[] | null;
  error: string | null;
  /** Puts a backup an answer carried (Back up now, delete) into the list. */
  apply: (backup: Backup) => void;
}

/** How many backups the tab shows: the API's largest page, more than a year of daily backups never is kept. */
const SHOWN = '100';

export function useBackups(cluster: Pick<Cluster, 'id' | 'org_id' | 'status'>): BackupsState {
  const [backups, setBackups] = useState<Backup[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const clusterId = cluster.id;

  const load = useCallback(async () => {
    try {
      const page = await unwrap(api.v1.clusters[':id'].backups.$get({ param: { id: clusterId }, query: { limit: SHOWN } }));
      setBackups((shown) => withFetchedBackups(shown ?? [], page.data));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [clusterId]);

  useEffect(() => {
    void load();
  }, [load]);

  const apply = useCallback((backup: Backup) => {
    if (backup.cluster_id === clusterId) setBackups((list) => withBackup(list ?? [], backup));
  }, [clusterId]);

  const handlers = useMemo<RealtimeHandlers>(() => ({ 'backup.updated': ({ backup }) => apply(backup) }), [apply]);
  useRealtime(cluster.org_id, cluster.status === 'deleted' ? [] : [`cluster:${clusterId}`], handlers, load);

  return { backups, error, apply };
}
