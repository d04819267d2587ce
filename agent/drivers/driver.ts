// What the reconciler needs from a driver (local servers today, Kubernetes and CloudNativePG next): converge
// one cluster to a spec, and say what is actually there. Drivers are level-triggered and idempotent: `apply`
// with the spec that is already in place changes nothing, and each call starts from what it observes, not
// from what it was told last time.
import type { Readable } from 'node:stream';
import type { BackupReport, ClusterSpec, Endpoint } from '../../protocol/agent.ts';
import type { BackupKind, ObservedPhase } from '../../protocol/enums.ts';
import type { LogEntry } from '../../protocol/observability.ts';
import type { RestoreWindow } from '../backup/wal-history.ts';

export type DriverKind = 'local' | 'kubernetes';

/** A driver's own notes on a cluster (e.g. engine and port), kept by the agent in its state file. */
export type DriverRecord = Record<string, unknown>;

export interface ClusterObservation {
  /** What is there: a server taking connections, data at rest, or nothing at all. */
  state: 'running' | 'sleeping' | 'deleted';
  /**
   * How far the cluster got towards `state`, for drivers whose infrastructure converges on its own after apply
   * (an operator): provisioning, updating, waking, deleting are still converging, and the reconciler observes
   * again until the phase settles; failed carries the reason in `message`. Absent means `state` is reached.
   */
  phase?: ObservedPhase;
  endpoint: Endpoint | null;
  instances: number;
  ready_instances: number;
  /** For people: engine, version, and what the driver could not do as asked. */
  message: string;
  /** Set when what is there no longer matches what the agent applied (someone edited it): the agent applies again. */
  drift?: string;
}

export interface DriverEvent {
  event_type: string;
  message: string;
}

export interface ApplyRequest {
  clusterId: string;
  /** The command's generation, which drivers may stamp on what they create. */
  generation?: number;
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
  /** The cluster's data was just restored from an archive (a branch made, a restore done): its own history starts now. */
  restored?: boolean;
}

/** Where a driver writes a backup's bytes: the region's object store, as the agent configured it. */
export interface BackupSink {
  put(key: string, body: Readable | Buffer, meta: Record<string, string>): Promise<{ size: number; sha256: string }>;
  /** The object's bytes, verified against their recorded checksum as they are read. */
  get(key: string): Promise<{ body: Readable }>;
  /** Every object under the prefix (all pages). */
  list(prefix: string): Promise<Array<{ key: string; lastModified: Date | null }>>;
  delete(keys: readonly string[]): Promise<void>;
}

export interface BackupRequest {
  clusterId: string;
  backupId: string;
  kind: BackupKind;
  spec: ClusterSpec;
  record: DriverRecord | null;
  sink: BackupSink;
}

export interface BackupOutcome {
  /** Bytes stored; null when the platform does not say (CloudNativePG's Backup status has no size). */
  sizeBytes: number | null;
  begin: { lsn: string | null; time: string };
  end: { lsn: string | null; time: string };
}

/**
 * A backup the platform under the driver took or is taking on its own (CloudNativePG's ScheduledBackup), or one the
 * driver took as asked, as seen there: what the agent reports of it. Its id satisfies the control plane's (`bk_…`).
 */
export type ObservedBackup = Omit<BackupReport, 'type' | 'at'>;

/** Where the agent itself reaches a running cluster's server, with the `pg` client's settings (never logged). */
export interface SqlAccess {
  /** The application role on the cluster's database: SQL, schema and cancels on a user's behalf run as it. */
  app: { host: string; port: number; database: string; user: string; password: string };
  /**
   * A role that reads every backend's statistics and pg_stat_statements (the superuser locally; pg_monitor or the
   * superuser secret on Kubernetes); null when the driver has none, and then only what the app role sees is read.
   */
  admin: ClientSettings | null;
  /**
   * Every connection shares one server session (PGlite behind its wire server): a setting one connection changes is
   * seen by all, so the agent resets only what it set rather than the whole session, and cannot cancel a statement.
   */
  sharedSession?: boolean;
}
export interface ClientSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

/** What the server processes of a cluster use, for CPU % and memory (the local driver reads /proc). */
export interface ResourceUsage {
  /** CPU time of all the cluster's processes since they started, in seconds (user + system). */
  cpuSeconds: number;
  /** Resident memory of all its processes, in bytes. */
  memoryBytes: number;
}

/**
 * A cluster's counters and gauges as read at one moment, before rates are made of them (the agent's sampler turns two
 * samples into transactions per second and CPU %). Fields the driver could not read are absent.
 */
export interface MetricsSample {
  /** Committed plus rolled-back transactions of the cluster's databases since statistics began. */
  xactTotal?: number;
  /** Shared buffer hits and reads since statistics began (cache hit ratio over the interval). */
  blocksHit?: number;
  blocksRead?: number;
  connectionsActive?: number;
  connectionsIdle?: number;
  connectionsMax?: number;
  databaseSizeBytes?: number;
  /** The largest replay lag of a replica, in seconds; absent with one instance. */
  replicationLagSeconds?: number;
  cpuSeconds?: number;
  memoryBytes?: number;
  /**
   * CPU in use now, in cores, for platforms that report a rate rather than a cumulative time (the Kubernetes metrics
   * API's PodMetrics usage, averaged over its window): the sampler uses it as is instead of a rate of cpuSeconds.
   */
  cpuCores?: number;
}

/** Which of a cluster's log lines a history read wants: from `since` on, the newest `limit` of them. */
export interface LogHistoryQuery {
  since: string | null;
  limit: number;
}

export interface ClusterDriver {
  readonly kind: DriverKind;
  apply(request: ApplyRequest): Promise<ApplyResult>;
  observe(clusterId: string, spec: ClusterSpec, record: DriverRecord | null): Promise<ClusterObservation>;
  /** Stops every server this driver runs, keeping their data: the agent is exiting. */
  shutdown(): Promise<void>;
  /**
   * Calls `listener` with a cluster's id whenever the driver sees it change on its own (an operator's progress),
   * until the returned function is called; drivers whose clusters only change when applied need none.
   */
  watch?(listener: (clusterId: string) => void): () => void;
  /** Does one-time work ahead of the first command (the local driver's templates), so a first create is fast. */
  prepare?(): Promise<void>;
  /**
   * Set when the platform under the driver schedules backups and applies retention itself (CloudNativePG's
   * ScheduledBackup and the barman-cloud ObjectStore's retentionPolicy): the agent then leaves both to it.
   */
  readonly managesBackupLifecycle?: boolean;
  /** Takes a full backup of the running cluster into the sink; drivers without backups leave it out. */
  backup?(request: BackupRequest): Promise<BackupOutcome>;
  /**
   * What the cluster's history can be restored to; null when the driver cannot tell (no object store). `record` is the
   * driver's own note on the cluster, for drivers whose history's place changes (a restore's new serverName).
   */
  restoreWindow?(clusterId: string, record?: DriverRecord | null): Promise<RestoreWindow | null>;
  /**
   * How often the restore window must be read again even when the driver saw no change: set by drivers whose newest
   * restorable point moves with time and whose platform only says that WAL archiving works, not how far it got.
   */
  readonly restoreWindowRefreshMs?: number;
  /**
   * Calls `listener` with every backup the platform reports as it starts and ends, including the ones it takes on its
   * own schedule (drivers that manage the backup lifecycle), until the returned function is called. A backup already
   * reported in its final state is not reported again, across agent restarts too.
   */
  watchBackups?(listener: (backup: ObservedBackup) => void): () => void;
  /**
   * How the agent connects to the running cluster itself (metrics, health probes, SQL, schema, insights); null when it
   * is not running. `password` is the app role's, opened from the spec.
   */
  sqlAccess?(clusterId: string, spec: ClusterSpec, password: string, record: DriverRecord | null): Promise<SqlAccess | null>;
  /** CPU time and memory of the cluster's server processes now; null when the driver cannot tell. */
  resourceUsage?(clusterId: string, record: DriverRecord | null): Promise<ResourceUsage | null>;
  /**
   * The cluster's counters read the platform's way (CloudNativePG's exporter on :9187); drivers without one leave it
   * out and the agent reads them over SQL through `sqlAccess`, with `resourceUsage` for CPU and memory.
   */
  sampleMetrics?(clusterId: string, spec: ClusterSpec, record: DriverRecord | null): Promise<MetricsSample | null>;
  /**
   * The cluster's recent server log lines, oldest first, read the platform's way (the instance pods' logs through the
   * Kubernetes API); drivers without it leave it out and the agent reads the server's log files.
   */
  logHistory?(clusterId: string, spec: ClusterSpec, record: DriverRecord | null, query: LogHistoryQuery): Promise<LogEntry[]>;
  /**
   * Calls `onEntries` with each batch of new server log lines as they are written, until the returned function is
   * called; it follows the cluster's instances as they come and go (and starts again after a dropped stream).
   */
  followLogs?(clusterId: string, spec: ClusterSpec, record: DriverRecord | null, onEntries: (entries: LogEntry[]) => void): () => void;
}
