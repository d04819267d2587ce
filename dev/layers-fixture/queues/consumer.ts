// Deliberate violation: a consumer imports a Durable Object's class; its stub is allowed.
import { ClusterDO } from '../durable-objects/cluster/cluster-do.ts';
import { clusterObject } from '../durable-objects/cluster/stub.ts';
export const consumer = [ClusterDO, clusterObject];
