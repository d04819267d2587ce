// What the reconciler needs from a driver (local servers today, Kubernetes and CloudNativePG next): converge
// one cluster to a spec, and say what is actually there. Drivers are level-triggered and idempotent: `apply`
// with the spec that is already in place changes nothing, and each call starts from what it observes, not
// from what it was told last time.
import type { ClusterSpec, Endpoint } from '../../queues/protocol.ts';

export type DriverKind = 'local' | 'kubernetes';

/** A driver's own notes on a cluster (e.g. engine and port), kept by the agent in its state file. */
export type DriverRecord = Record<string, unknown>;

export interface ClusterObservation {
  /** What is there: a server taking connections, data at rest, or nothing at all. */
  state: 'running' | 'sleeping' | 'deleted';
  endpoint: Endpoint | null;
  instances: number;
  ready_instances: number;
  /** For people: engine, version, and what the driver could not do as asked. */
  message: string;
}

export interface DriverEvent {
  event_type: string;
  message: string;
}

export interface ApplyRequest {
  clusterId: string;
  spec: ClusterSpec;
  /** The role's password in the clear (opened from spec.password_sealed); drivers never log or store it. */
  password: string;
  record: DriverRecord | null;
  /** Notable steps (created, started, stopped, password rotated, deleted), reported to the control plane. */
  emit(event: DriverEvent): void;
}

export interface ApplyResult {
  observation: ClusterObservation;
  record: DriverRecord | null;
}

export interface ClusterDriver {
  readonly kind: DriverKind;
  apply(request: ApplyRequest): Promise<ApplyResult>;
  observe(clusterId: string, spec: ClusterSpec, record: DriverRecord | null): Promise<ClusterObservation>;
  /** Stops every server this driver runs, keeping their data: the agent is exiting. */
  shutdown(): Promise<void>;
  /** Does one-time work ahead of the first command (the local driver's templates), so a first create is fast. */
  prepare?(): Promise<void>;
}
