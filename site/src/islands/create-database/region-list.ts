// The regions the organization can place the database in, loaded when the form opens and again on "Try again".
import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../../lib/api.ts';
import { loadRegions, type RegionRow } from '../../lib/regions.ts';

export interface RegionList {
  /** null while loading or after a failure. */
  regions: RegionRow[] | null;
  error: string | null;
  reload: () => void;
}

export function useRegionList(orgId: string): RegionList {
  const [regions, setRegions] = useState<RegionRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(() => {
    setError(null);
    setRegions(null);
    loadRegions(orgId).then(setRegions, (failure: unknown) => setError(errorText(failure)));
  }, [orgId]);

  useEffect(reload, [reload]);

  return { regions, error, reload };
}
