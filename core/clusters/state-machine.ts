// The cluster state machine, as pure functions: what status a mutation puts a cluster in, and what a region's
// report does to the cluster and to the operation in flight. ClusterDO applies these to the catalog.
import type { AgentStatus } from '../../protocol/agent.ts';
import type { ClusterAction, DesiredState, ObservedPhase } from '../../protocol/enums.ts';
import type { ClusterStatus, Health } from '../../protocol/enums.ts';

/** Actions that change nothing the cluster serves: it keeps its status while they run (a backup, say). */
const IN_THE_BACKGROUND: ReadonlySet<ClusterAction> = new Set(['backup']);

/** The status a cluster shows while an operation of this action is in flight. */
export function statusWhileRunning(action: ClusterAction, current: ClusterStatus): ClusterStatus {
  if (IN_THE_BACKGROUND.has(action)) return current;
  switch (action) {
    case 'create':
      return 'provisioning';
    case 'wake':
      return 'waking';
    case 'delete':
      return 'deleting';
    default:
      return 'updating';
  }
}

/** The desired state an action leaves the cluster in, given the one it had. */
export function desiredStateAfter(action: ClusterAction, current: DesiredState): DesiredState {
  switch (action) {
    case 'sleep':
      return 'sleeping';
    case 'wake':
    case 'create':
      return 'running';
    case 'delete':
      return 'deleted';
    default:
      return current;
  }
}

/** Why an action cannot start from the cluster's current state, or null when it can. */
export function refuseAction(action: ClusterAction, status: ClusterStatus, desired: DesiredState): string | null {
  if (desired === 'deleted' || status === 'deleted') return 'The cluster is being deleted';
  if (action === 'sleep' && desired === 'sleeping') return 'The cluster is already sleeping';
  if (action === 'wake' && desired === 'running' && status !== 'failed') return 'The cluster is already awake';
  if (desired === 'sleeping' && action !== 'wake' && action !== 'delete') {
    return 'Wake the cluster first';
  }
  if (action === 'backup' && status !== 'running') return `A backup needs the cluster running; it is ${status}`;
  return null;
}

/** The phase a report must show, at the operation's generation, for the operation to be done. */
function targetPhase(desired: DesiredState): ObservedPhase {
  return desired === 'sleeping' ? 'sleeping' : desired === 'deleted' ? 'deleted' : 'running';
}

export function healthOf(phase: ObservedPhase, ready: number, instances: number): Health {
  if (phase === 'failed') return 'unhealthy';
  if (phase !== 'running') return 'unknown';
  if (ready >= instances) return 'healthy';
  return ready > 0 ? 'degraded' : 'unhealthy';
}

export interface ClusterSnapshot {
  status: ClusterStatus;
  generation: number;
  observedGeneration: number;
  desiredState: DesiredState;
  /** The operation in flight, if any. */
  operation: { id: string; generation: number; action: ClusterAction } | null;
}

export interface ReportOutcome {
  /** null when the report is about an older generation than the one already observed: nothing changes. */
  cluster: {
    status: ClusterStatus;
    health: Health;
    observedGeneration: number;
    readyInstances: number;
    endpoint: { host: string; port: number } | null;
    message: string;
  } | null;
  operation: { id: string; status: 'running' | 'finished' | 'failed'; error: string | null } | null;
}

export function applyReport(snapshot: ClusterSnapshot, report: AgentStatus): ReportOutcome {
  if (report.observed_generation < snapshot.observedGeneration) return { cluster: null, operation: null };
  const current = report.observed_generation >= snapshot.generation;
  const phase = report.phase;
  const cluster: NonNullable<ReportOutcome['cluster']> = {
    // Until the region has caught up with the newest generation, the cluster keeps its in-flight status,
    // unless the region says it failed.
    status: current || phase === 'failed' ? phase : snapshot.status,
    health: healthOf(phase, report.ready_instances, report.instances),
    observedGeneration: Math.max(snapshot.observedGeneration, report.observed_generation),
    readyInstances: report.ready_instances,
    endpoint: phase === 'running' ? report.endpoint : null,
    message: report.message,
  };
  const op = snapshot.operation;
  if (!op || report.observed_generation < op.generation) return { cluster, operation: null };
  if (phase === 'failed') return { cluster, operation: { id: op.id, status: 'failed', error: report.message || 'The region reported a failure' } };
  // A background operation ends with its own report (a backup's), not with the cluster's status.
  if (IN_THE_BACKGROUND.has(op.action)) return { cluster, operation: null };
  if (phase === targetPhase(snapshot.desiredState)) return { cluster, operation: { id: op.id, status: 'finished', error: null } };
  return { cluster, operation: { id: op.id, status: 'running', error: null } };
}
