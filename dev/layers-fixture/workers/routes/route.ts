// Deliberate violation: a route imports a Durable Object's class; its stub is allowed.
import { ClusterDO } from '../../durable-objects/cluster/cluster-do.ts';
import { clusterObject } from '../../durable-objects/cluster/stub.ts';
export const route = [ClusterDO, clusterObject];
