// A cluster's server log for the Logs tab: the recent history from GET /logs, then each `log.entry` on
// `logs:{id}` while the tab is open (the agent tails only while someone subscribes, so closing the tab stops it).
// Paused, new lines wait in a bounded buffer and join on resume; the page keeps the newest LOG_BUFFER_LINES.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorText } from '../../lib/api.ts';
import { appendBounded, LOG_BUFFER_LINES, mergeLogs, type LogEntry } from '../../lib/log-filter.ts';
import { observabilityApi } from '../../lib/observability-api.ts';
import { useRealtime, type RealtimeHandlers } from '../../lib/realtime.ts';
import type { Cluster } from './model.ts';

export function useLogs(cluster: Cluster, active: boolean) {
  const [lines, setLines] = useState<LogEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const [waiting, setWaiting] = useState(0);
  const held = useRef<LogEntry[]>([]);
  const pausedRef = useRef(false);
  pausedRef.current = paused;

  const load = useCallback(async () => {
    // Paused, the shown lines stay as they are; the live buffer catches up on resume.
    if (pausedRef.current) return;
    try {
      const { data } = await observabilityApi.logs(cluster.id, {});
      setLines((shown) => mergeLogs(data, shown ?? []));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [cluster.id]);

  useEffect(() => {
    if (active) void load();
  }, [active, load]);

  const handlers = useMemo<RealtimeHandlers>(
    () => ({
      'log.entry': ({ cluster_id, at, level, message, sqlstate }) => {
        if (cluster_id !== cluster.id) return;
        const line: LogEntry = { at, level, message, sqlstate: sqlstate ?? null };
        if (pausedRef.current) {
          held.current = appendBounded(held.current, [line], LOG_BUFFER_LINES);
          setWaiting(held.current.length);
        } else setLines((shown) => appendBounded(shown ?? [], [line]));
      },
    }),
    [cluster.id],
  );
  const following = active && cluster.status !== 'deleted';
  useRealtime(following ? cluster.org_id : null, following ? [`logs:${cluster.id}`] : [], handlers, load);

  const resume = useCallback(() => {
    const waitingLines = held.current;
    held.current = [];
    setWaiting(0);
    setPaused(false);
    setLines((shown) => mergeLogs(shown ?? [], waitingLines));
  }, []);

  return { lines, error, paused, waiting, pause: () => setPaused(true), resume };
}
