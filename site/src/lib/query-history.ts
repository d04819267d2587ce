// The SQL console's history: each user's last statements in this browser (localStorage, keyed by user id so people
// sharing a browser do not see each other's), newest first, a statement run again moved to the top.

export const HISTORY_MAX = 50;

export interface HistoryEntry {
  sql: string;
  cluster_id: string;
  /** ISO time it last ran. */
  at: string;
  ok: boolean;
}

/** The storage the history lives in; localStorage in the browser, anything with the same two calls in tests. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const historyKey = (userId: string) => `orochi.sql-history.${userId}`;

export function readHistory(store: KeyValueStore, userId: string): HistoryEntry[] {
  try {
    const parsed: unknown = JSON.parse(store.getItem(historyKey(userId)) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((e): e is HistoryEntry => typeof e?.sql === 'string' && typeof e?.cluster_id === 'string' && typeof e?.at === 'string').slice(0, HISTORY_MAX);
  } catch {
    // A corrupt entry (edited by hand, or another version's shape) starts the history afresh.
    return [];
  }
}

/** Records a run: the statement goes first, an earlier run of the same text on the same cluster is dropped. */
export function addToHistory(store: KeyValueStore, userId: string, entry: HistoryEntry): HistoryEntry[] {
  const sql = entry.sql.trim();
  if (sql === '') return readHistory(store, userId);
  const next = [{ ...entry, sql }, ...readHistory(store, userId).filter((e) => !(e.sql === sql && e.cluster_id === entry.cluster_id))].slice(0, HISTORY_MAX);
  try {
    store.setItem(historyKey(userId), JSON.stringify(next));
  } catch {
    // Storage full or refused (private mode): the history is a convenience, the run itself went through.
  }
  return next;
}
