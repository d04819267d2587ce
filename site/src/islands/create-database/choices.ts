// The choices the form starts with, once the organization's regions and projects have loaded.

/** The first online region is the likely choice; an organization with none online still gets one picked. */
export function defaultRegionId(regions: ReadonlyArray<{ id: string; status: string }>): string {
  return (regions.find((r) => r.status === 'online') ?? regions[0])?.id ?? '';
}

/** The organization's oldest project, as the API's own default (ids sort by creation time). */
export function defaultProjectId(projects: ReadonlyArray<{ id: string }>): string | undefined {
  return [...projects].sort((a, b) => (a.id < b.id ? -1 : 1))[0]?.id;
}
