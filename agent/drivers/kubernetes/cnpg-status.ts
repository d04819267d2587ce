// What a CloudNativePG Cluster's status means for Orochi (ARCHITECTURE.md, Drivers): ready only when the
// operator says `Cluster in healthy state` AND every instance is ready AND the cluster is not hibernated;
// sleeping when the hibernation condition says so; the endpoint from the LoadBalancer Service's status.
// Failed means one of the phases in which CNPG stops and waits for a person (the phase names are CNPG's own,
// from api/v1/cluster_types.go); every other phase is the operator still at work.
import type { Endpoint } from '../../../protocol/agent.ts';
import type { ObservedPhase } from '../../../protocol/enums.ts';

export const HEALTHY_PHASE = 'Cluster in healthy state';
export const HIBERNATION_CONDITION = 'cnpg.io/hibernation';
const POSTGRES_PORT = 5432;

/** CNPG phases it does not leave without someone fixing something: the operation fails with the phase's reason. */
export const FAILURE_PHASES: ReadonlySet<string> = new Set([
  'Cluster is unrecoverable and needs manual intervention',
  'Unable to create required cluster objects',
  'Cluster cannot proceed to reconciliation due to an unknown plugin being required',
  'Cluster cannot proceed to reconciliation due to an error while interacting with plugins',
  'Cluster has incomplete or invalid image catalog',
  'Cluster cannot execute instance online upgrade due to missing architecture binary',
  'Waiting for user action',
]);

export interface CnpgCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface CnpgClusterView {
  metadata?: { annotations?: Record<string, string>; deletionTimestamp?: string };
  spec?: { instances?: number };
  status?: {
    phase?: string;
    phaseReason?: string;
    readyInstances?: number;
    instances?: number;
    conditions?: CnpgCondition[];
    /** The resourceVersion of the application user's Secret the instances last took their password from. */
    secretsResourceVersion?: { applicationSecretVersion?: string };
  };
}

export interface LoadBalancerView {
  spec?: { ports?: Array<{ name?: string; port?: number }> };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

export interface CnpgObservation {
  phase: ObservedPhase;
  instances: number;
  readyInstances: number;
  endpoint: Endpoint | null;
  message: string;
}

/** The endpoint clients use: the LoadBalancer's first ingress, by IP or hostname, on the Service's postgres port. */
export function loadBalancerEndpoint(service: LoadBalancerView | null): Endpoint | null {
  const ingress = service?.status?.loadBalancer?.ingress?.[0];
  const host = ingress?.ip ?? ingress?.hostname;
  const ports = service?.spec?.ports ?? [];
  const port = (ports.find((p) => p.name === 'postgres') ?? ports[0])?.port ?? POSTGRES_PORT;
  return host ? { host, port } : null;
}

/**
 * `appSecretVersion`: the resourceVersion of the application role's Secret as it is now. When the operator reports
 * which version its instances hold and it is another one, a password change is still on its way: not running yet.
 */
export function observeCnpgCluster(
  cluster: CnpgClusterView | null,
  service: LoadBalancerView | null,
  desired: 'running' | 'sleeping',
  appSecretVersion: string | null = null,
): CnpgObservation {
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
  if (FAILURE_PHASES.has(phaseText)) return { phase: 'failed', instances, readyInstances, endpoint: null, message };
  const endpoint = loadBalancerEndpoint(service);
  const held = cluster.status?.secretsResourceVersion?.applicationSecretVersion;
  const passwordPending = appSecretVersion !== null && held !== undefined && held !== appSecretVersion;
  if (phaseText === HEALTHY_PHASE && instances > 0 && readyInstances === instances && endpoint) {
    if (passwordPending) return { phase: 'updating', instances, readyInstances, endpoint: null, message: 'Waiting for the instances to take the new password' };
    return { phase: 'running', instances, readyInstances, endpoint, message };
  }
  // No address yet means clients cannot connect at all: still provisioning. Serving with fewer ready instances
  // than asked (a resize, a replica catching up) is an update in progress.
  const phase: ObservedPhase = endpoint && readyInstances > 0 ? 'updating' : 'provisioning';
  return { phase, instances, readyInstances, endpoint: null, message: message || (endpoint ? 'Waiting for the operator' : 'Waiting for the load balancer address') };
}
