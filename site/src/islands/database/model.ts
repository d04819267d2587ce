// The database page's shapes and the small rules its parts share: who may change a database, whether an
// operation is in flight, how a live update merges into a list. Types only from the API's schemas (erased at build),
// so no zod reaches the browser.
import { ApiFailure, errorText } from '../../lib/api.ts';
import { canWriteClusters } from '../../lib/cluster-rules.ts';
import type { Cluster, ClusterEvent, Operation } from '../../../../protocol/resources.ts';
import type { Role } from '../../../../protocol/enums.ts';

export type { Cluster, ClusterEvent, Operation, Role };

/** The ids the Worker routes to this page (workers/routes/dashboard-shells.ts). */
export const CLUSTER_ID = /^cl_[0-9a-z]{26}$/;

/** The cluster id in the address: /databases/<id>. */
export function clusterIdFromPath(pathname: string): string | null {
  const match = /^\/databases\/([^/]+)\/?$/.exec(pathname);
  const id = match ? decodeURIComponent(match[1]!) : null;
  return id && CLUSTER_ID.test(id) ? id : null;
}

/** What a mutation answers (202): the cluster as it now is and the operation it started. */
export interface Mutation {
  cluster: Cluster;
  operation: Operation;
}

export function canWrite(role: Role | null): boolean {
  return canWriteClusters(role ?? undefined);
}

export function isInFlight(operation: Operation): boolean {
  return operation.status === 'pending' || operation.status === 'running';
}

/** The newest operation still pending or running, if any. */
export function inFlight(operations: Operation[]): Operation | null {
  return operations.find(isInFlight) ?? null;
}

/** Statuses during which the cluster is changing and new actions would be refused. */
export const TRANSITIONAL = new Set(['provisioning', 'updating', 'waking', 'deleting']);

export { actionLabel, duration } from '../../lib/format.ts';

/** Replaces the item with the same id, or puts a new one first; newest first by id (ids sort by time). */
export function engineLabel(cluster: Pick<Cluster, 'engine' | 'version'>): string {
  return cluster.engine === 'postgres' ? `PostgreSQL ${cluster.version}` : `NATS ${cluster.version}`;
}

const healthWords: Record<string, string> = { healthy: 'Healthy', degraded: 'Degraded', unhealthy: 'Unhealthy', unknown: 'Unknown' };
export function healthLabel(health: string): string {
  return healthWords[health] ?? health;
}

/** An action's failure in words; a 409 operation_in_progress says what to do about it. */
export function actionErrorText(error: unknown): string {
  if (error instanceof ApiFailure && error.code === 'operation_in_progress') {
    return `Another operation is still in progress on this database, so nothing was changed. Wait for it to finish, then try again. (${error.message}.)`;
  }
  return errorText(error);
}
