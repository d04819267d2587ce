// The database's schema from GET /schema, read when asked (the Schema tab's Refresh, the Query tab after a
// statement that may have changed it).
import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../../lib/api.ts';
import { observabilityApi, type DatabaseSchema } from '../../lib/observability-api.ts';
import type { Cluster } from './model.ts';

export function useSchema(cluster: Cluster) {
  const [schema, setSchema] = useState<DatabaseSchema | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const running = cluster.status === 'running';

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setSchema(await observabilityApi.schema(cluster.id));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, [cluster.id]);

  // Read once the database runs (a sleeping one cannot answer); again after it wakes.
  useEffect(() => {
    if (running) void load();
  }, [running, load]);

  return { schema, error, loading, reload: load };
}

/** Tables and views by schema with their columns, as the editor's completion wants them. */
export function completionSchema(schema: DatabaseSchema | null): Record<string, Record<string, string[]>> {
  const namespace: Record<string, Record<string, string[]>> = {};
  for (const t of [...(schema?.tables ?? []), ...(schema?.views ?? [])]) {
    (namespace[t.schema] ??= {})[t.name] = t.columns.map((c) => c.name);
  }
  return namespace;
}
