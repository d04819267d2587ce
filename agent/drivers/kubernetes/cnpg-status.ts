// What a CloudNativePG Cluster's status means for Orochi (ARCHITECTURE.md, Drivers): ready only when the
// operator says `Cluster in healthy state` AND every instance is ready AND the cluster is not hibernated;
// sleeping when the hibernation condition says so; the endpoint from the LoadBalancer Service's status.
import type { Endpoint, ObservedPhase } from '../../../queues/protocol.ts';

export const HEALTHY_PHASE = 'Cluster in healthy state';
export const HIBERNATION_CONDITION = 'cnpg.io/hibernation';
const POSTGRES_PORT = 5432;

export interface CnpgCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface CnpgClusterView {
  metadata?: { annotations?: Record<string, string>; deletionTimestamp?: string };
  spec?: { instances?: number };
  status?: { phase?: string; phaseReason?: string; readyInstances?: number; instances?: number; conditions?: CnpgCondition[] };
}

export interface LoadBalancerView {
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

export interface CnpgObservation {
  phase: ObservedPhase;
  instances: number;
  readyInstances: number;
  endpoint: Endpoint | null;
  message: string;
}

/** The endpoint clients use: the LoadBalancer's first ingress, by IP or hostname. */
export function loadBalancerEndpoint(service: LoadBalancerView | null): Endpoint | null {
  const ingress = service?.status?.loadBalancer?.ingress?.[0];
  const host = ingress?.ip ?? ingress?.hostname;
  return host ? { host, port: POSTGRES_PORT } : null;
}

export function observeCnpgCluster(cluster: CnpgClusterView | null, service: LoadBalancerView | null, desired: 'running' | 'sleeping'): CnpgObservation {
  if (!cluster) return { phase: 'deleted', instances: 0, readyInstances: 0, endpoint: null, message: 'No Cluster object' };
  const instances = cluster.spec?.instances ?? cluster.status?.instances ?? 0;
  const readyInstances = cluster.status?.readyInstances ?? 0;
  const phaseText = cluster.status?.phase ?? '';
  const conditions = cluster.status?.conditions ?? [];
  const hibernation = conditions.find((c) => c.type === HIBERNATION_CONDITION);
  const hibernated = hibernation?.status === 'True';
  const message = [phaseText, cluster.status?.phaseReason].filter(Boolean).join(': ');

  if (cluster.metadata?.deletionTimestamp) return { phase: 'deleting', instances, readyInstances, endpoint: null, message: message || 'Being deleted' };
  if (hibernated) {
    // Asked to wake but still hibernated: on its way back, not asleep.
    return { phase: desired === 'sleeping' ? 'sleeping' : 'waking', instances, readyInstances: 0, endpoint: null, message: hibernation?.message ?? 'Hibernated' };
  }
  if (desired === 'sleeping') return { phase: 'updating', instances, readyInstances, endpoint: null, message: message || 'Hibernating' };
  const failed = conditions.find((c) => c.type === 'Ready' && c.status === 'False' && /fail|error/i.test(`${c.reason ?? ''} ${c.message ?? ''}`));
  if (failed) return { phase: 'failed', instances, readyInstances, endpoint: null, message: failed.message ?? failed.reason ?? message };
  const endpoint = loadBalancerEndpoint(service);
  if (phaseText === HEALTHY_PHASE && instances > 0 && readyInstances === instances && endpoint) {
    return { phase: 'running', instances, readyInstances, endpoint, message };
  }
  // No address yet means clients cannot connect at all: still provisioning. Serving with fewer ready instances
  // than asked (a resize, a replica catching up) is an update in progress.
  const phase: ObservedPhase = endpoint && readyInstances > 0 ? 'updating' : 'provisioning';
  return { phase, instances, readyInstances, endpoint: null, message: message || (endpoint ? 'Waiting for the operator' : 'Waiting for the load balancer address') };
}
