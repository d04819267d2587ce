// An in-memory driver for the reconciler's and the connection's tests: it keeps clusters in a map, emits the
// same events as the local driver, and lets a test hold an apply (gate), fail one, or make a cluster "crash".
import type { ClusterSpec } from '../../protocol/agent.ts';
import { Readable } from 'node:stream';
import type { ApplyRequest, ApplyResult, BackupOutcome, BackupRequest, ClusterDriver, ClusterObservation, DriverRecord } from '../drivers/driver.ts';

interface FakeCluster {
  state: 'running' | 'sleeping';
  port: number;
  password: string;
}

export class FakeDriver implements ClusterDriver {
  readonly kind = 'local';
  readonly clusters = new Map<string, FakeCluster>();
  readonly applies: Array<{ clusterId: string; spec: ClusterSpec; password: string }> = [];
  /** Applies in progress right now, and the most seen at once. */
  active = 0;
  maxActive = 0;
  /** Make the next applies throw this many times. */
  failures = 0;
  shutdownCalls = 0;
  /** Backups taken, in order; make the next ones fail by setting `backupFailure`. */
  readonly backups: Array<{ clusterId: string; backupId: string; kind: string }> = [];
  backupFailure: string | null = null;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  private nextPort = 40000;

  async backup(request: BackupRequest): Promise<BackupOutcome> {
    if (this.backupFailure) throw new Error(this.backupFailure);
    if (this.clusters.get(request.clusterId)?.state !== 'running') throw new Error('the cluster is not running here');
    const begin = { lsn: '0/1000000', time: new Date().toISOString() };
    const stored = await request.sink.put(`clusters/${request.clusterId}/base/${request.backupId}/base.tar.gz`, Readable.from(Buffer.from('backup')), {});
    this.backups.push({ clusterId: request.clusterId, backupId: request.backupId, kind: request.kind });
    return { sizeBytes: stored.size, begin, end: { lsn: '0/2000000', time: new Date().toISOString() } };
  }

  /** Applies wait until `release()`. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }

  /** The cluster's server "dies": observed sleeping while its spec wants it running. */
  crash(clusterId: string): void {
    const cluster = this.clusters.get(clusterId);
    if (cluster) cluster.state = 'sleeping';
  }

  async apply({ clusterId, spec, password, emit }: ApplyRequest): Promise<ApplyResult> {
    this.applies.push({ clusterId, spec, password });
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.gate) await this.gate;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (this.failures > 0) {
        this.failures--;
        throw new Error('simulated driver failure');
      }
      let cluster = this.clusters.get(clusterId);
      if (spec.state === 'deleted') {
        if (cluster) emit({ event_type: 'deleted', message: 'deleted' });
        this.clusters.delete(clusterId);
        return { observation: this.observation(undefined), record: null };
      }
      if (!cluster) {
        cluster = { state: 'running', port: this.nextPort++, password };
        this.clusters.set(clusterId, cluster);
        emit({ event_type: 'created', message: `created on ${cluster.port}` });
      } else if (cluster.state !== spec.state) {
        emit({ event_type: spec.state === 'running' ? 'started' : 'stopped', message: spec.state });
      }
      if (cluster.password !== password) emit({ event_type: 'password_rotated', message: 'rotated' });
      cluster.password = password;
      cluster.state = spec.state;
      return { observation: this.observation(cluster), record: { port: cluster.port } };
    } finally {
      this.active--;
    }
  }

  async observe(clusterId: string, _spec: ClusterSpec, _record: DriverRecord | null): Promise<ClusterObservation> {
    return this.observation(this.clusters.get(clusterId));
  }

  async shutdown(): Promise<void> {
    this.shutdownCalls++;
    for (const cluster of this.clusters.values()) cluster.state = 'sleeping';
  }

  private observation(cluster: FakeCluster | undefined): ClusterObservation {
    if (!cluster) return { state: 'deleted', endpoint: null, instances: 0, ready_instances: 0, message: 'gone' };
    if (cluster.state === 'sleeping') return { state: 'sleeping', endpoint: null, instances: 1, ready_instances: 0, message: 'asleep' };
    return { state: 'running', endpoint: { host: '127.0.0.1', port: cluster.port }, instances: 1, ready_instances: 1, message: 'up' };
  }
}
