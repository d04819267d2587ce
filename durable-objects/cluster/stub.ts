// The way to a cluster's ClusterDO (one per cluster, named by its id), for the Worker, the queue consumers and the
// other objects.
import type { ClusterDO } from './cluster-do.ts';

export function clusterObject(env: { CLUSTER: DurableObjectNamespace<ClusterDO> }, clusterId: string) {
  return env.CLUSTER.get(env.CLUSTER.idFromName(clusterId));
}
