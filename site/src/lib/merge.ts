// Keeping a page's copies of records current as answers and live updates arrive, in whatever order they come.

/**
 * The fresher of two copies of one record: a mutation's answer can arrive after the live update that followed it
 * (the command went out before the answer did), and must not put the older state back.
 */
export function fresher<T extends { updated_at?: string }>(current: T | null | undefined, incoming: T): T {
  if (current?.updated_at && incoming.updated_at && Date.parse(incoming.updated_at) < Date.parse(current.updated_at)) return current;
  return incoming;
}

export function mergeById<T extends { id: string; updated_at?: string }>(list: T[], item: T, max = 50): T[] {
  const index = list.findIndex((x) => x.id === item.id);
  if (index >= 0) {
    const next = list.slice();
    next[index] = fresher(list[index], item);
    return next;
  }
  return [item, ...list].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, max);
}

/**
 * A list read again (a poll, the catch-up after subscribing) against the copies already shown: each record keeps
 * the fresher copy. The Durable Object publishes a change before it writes the catalog, so a read can come back
 * older than the live update that preceded it.
 */
export function mergeFetched<T extends { id: string; updated_at?: string }>(shown: readonly T[] | null | undefined, fetched: T[]): T[] {
  if (!shown || shown.length === 0) return fetched;
  const byId = new Map(shown.map((item) => [item.id, item]));
  return fetched.map((item) => fresher(byId.get(item.id), item));
}
