// The way to a region's RegionDO (one per region, named by its id), and what the Worker tells it about an agent's
// upgrade. Type-only import of the class, so routes load this without the Workers runtime.
import type { RegionDO } from './region-do.ts';

/** Set by GET /v1/agent/connect to the region id it verified from the agent's credential; the RegionDO reads it. */
export const REGION_ID_HEADER = 'x-orochi-region-id';

export function regionObject(env: { REGION: DurableObjectNamespace<RegionDO> }, regionId: string) {
  return env.REGION.get(env.REGION.idFromName(regionId));
}
