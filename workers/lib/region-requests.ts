// The way a route reaches a cluster's region with a request (core/clusters/agent-requests.ts asks through it).
import type { RegionRequest } from '../../core/clusters/agent-requests.ts';
import { regionObject } from '../../durable-objects/region/stub.ts';
import type { AppContext } from '../context.ts';

export function regionRequest(c: AppContext, regionId: string): RegionRequest {
  return (clusterId, kind, payload, timeoutMs) => regionObject(c.env, regionId).request(clusterId, kind, payload, timeoutMs);
}
