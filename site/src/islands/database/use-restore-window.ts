// A cluster's restore window (GET /v1/clusters/{id}/restore-window): the times and backups it can be restored or
// branched to. It changes when the region reports a new backup or more archived WAL (`restore_window.updated`), and
// when a backup completes or leaves; `reload` reads it again (before a restore, say, as its newest end moves on).
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, errorText, unwrap } from '../../lib/api.ts';
import { useRealtime, type RealtimeHandlers } from '../../lib/realtime.ts';
import type { RestoreWindow } from '../../../../protocol/resources.ts';
import type { Cluster } from './model.ts';

export interface RestoreWindowState {
  restoreWindow: RestoreWindow | null;
  error: string | null;
  reload: () => Promise<void>;
}

/** `backupsKey` changes whenever the set of completed backups does, which moves the window's earliest end. */
export function useRestoreWindow(cluster: Pick<Cluster, 'id' | 'org_id' | 'status'>, backupsKey: string): RestoreWindowState {
  const [restoreWindow, setRestoreWindow] = useState<RestoreWindow | null>(null);
  const [error, setError] = useState<string | null>(null);
  const clusterId = cluster.id;

  const reload = useCallback(async () => {
    try {
      setRestoreWindow(await unwrap(api.v1.clusters[':id']['restore-window'].$get({ param: { id: clusterId } })));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [clusterId]);

  useEffect(() => {
    void reload();
  }, [reload, backupsKey]);

  const handlers = useMemo<RealtimeHandlers>(
    () => ({
      'restore_window.updated': ({ restore_window }) => {
        if (restore_window.cluster_id === clusterId) setRestoreWindow(restore_window);
      },
    }),
    [clusterId],
  );
  useRealtime(cluster.org_id, cluster.status === 'deleted' ? [] : [`cluster:${clusterId}`], handlers, reload);

  return { restoreWindow, error, reload };
}
