// The organization's projects, so the database goes into a project of the organization chosen in the switcher:
// without a project the API uses the session token's organization, which is not necessarily that one.
import { useEffect, useState } from 'react';
import { api, unwrap } from '../../lib/api.ts';

export interface ProjectRow {
  id: string;
  name: string;
}

/** null while loading; empty when they could not be read (the API then picks the project). */
export function useProjectList(orgId: string): ProjectRow[] | null {
  const [projects, setProjects] = useState<ProjectRow[] | null>(null);
  useEffect(() => {
    let live = true;
    unwrap(api.v1.projects.$get({ query: { org_id: orgId, limit: '100' } })).then(
      ({ data }) => live && setProjects(data),
      () => live && setProjects([]),
    );
    return () => {
      live = false;
    };
  }, [orgId]);
  return projects;
}
