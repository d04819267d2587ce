// Converges each cluster to the newest command the agent holds for it, through the driver, and reports what
// it observes. Per cluster, one apply at a time and strictly in generation order (a newer command received
// mid-apply waits, then supersedes anything older still waiting); clusters run in parallel up to a limit.
//
// Level-triggered: a command older than the applied generation is stale and ignored; the applied generation
// again is re-applied only when what is observed differs from its spec (a server that died, a restart of the
// agent); a failed apply is retried with backoff; and a periodic check puts back anything that drifted.
import { backupReportSchema, restoreWindowSchema, statusSchema, type AgentMessage, type AgentStatus, type BackupReport, type ClusterSpec, type Command, type RestoreWindowReport } from '../protocol/agent.ts';
import { type BackupKind, type DesiredState, type ObservedPhase } from '../protocol/enums.ts';
import { newId } from '../protocol/ids.ts';
import { unseal } from '../protocol/sealing.ts';
import { Backoff, type BackoffOptions } from '../protocol/backoff.ts';
import type { BackupSink, ClusterDriver, ClusterObservation, DriverEvent, DriverRecord, ObservedBackup } from './drivers/driver.ts';
import { readBackupInfo } from './backup/cluster-history.ts';
import { clusterBackupsPrefix } from './backup/layout.ts';
import { expiredBackups, expiredWal } from './backup/retention.ts';
import { nextRun, parseCron } from './backup/schedule.ts';
import { Limiter } from './limiter.ts';
import { errorMessage, type Logger } from './log.ts';
import type { ClusterRecord, StateStore } from './state-store.ts';

export interface ReconcilerOptions {
  state: StateStore;
  driver: ClusterDriver;
  send(message: AgentMessage): void;
  log: Logger;
  /** Clusters converging at once. */
  concurrency?: number;
  /** Delays between retries of a failed apply. */
  retry?: BackoffOptions;
  /** How often every cluster is observed to catch drift; 0 turns the check off. */
  checkIntervalMs?: number;
  /** How often a cluster whose driver reports it still converging is observed again. Default 1 s. */
  followIntervalMs?: number;
  /** How long a cluster is followed that way before only the periodic check and the driver's watch remain. Default 15 min. */
  followLimitMs?: number;
  /** The region's object store for backups; null when the region has none, which a backup asked for then says. */
  backups?: { sink: BackupSink } | { unavailable: string };
  /** How often clusters' backup schedules are checked. Default 30 s; 0 turns scheduled backups off. */
  scheduleCheckMs?: number;
  /** How often retention runs over every cluster's backups. Default 1 h; 0 turns it off. */
  retentionCheckMs?: number;
  /** How long after a change (archived WAL, say) a cluster's restore window is read again; changes meanwhile wait for it. Default 2 s. */
  windowDelayMs?: number;
}

/** Ids of backups taken on demand a cluster's record remembers, so each is taken once. */
const BACKUPS_REMEMBERED = 20;
/** Backups whose reported status is remembered, so a driver's observation never sends one back to an earlier status. */
const BACKUP_STATUSES_REMEMBERED = 1000;

export interface HeldCluster {
  clusterId: string;
  spec: ClusterSpec;
  record: DriverRecord | null;
  /** The phase last reported; null before the first report of this run. */
  phase: ObservedPhase | null;
  /** Reported running and meant to run: the moment to sample, probe or query it. */
  running: boolean;
  /** The app role's password in the clear; never logged or sent. */
  password(): Promise<string>;
}

export type SubmitOutcome = 'recorded' | 'duplicate' | 'stale' | 'foreign';

interface ClusterWorker {
  wanted: boolean;
  /** Send the status even when it did not change (someone asked again). */
  report: boolean;
  running: Promise<void> | null;
  retry: Backoff;
  retryTimer: NodeJS.Timeout | null;
  /** The next observation of a cluster still converging. */
  followTimer: NodeJS.Timeout | null;
  /** When following the cluster's convergence began (null: not following). */
  followingSince: number | null;
}

const CONVERGING: ReadonlySet<ObservedPhase> = new Set(['provisioning', 'updating', 'waking', 'deleting']);

const MESSAGE_LIMIT = 2000;

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** The cluster runs as its command asks, settled: the moment a backup may be taken. */
function runsAsAsked(command: Command, observation: ClusterObservation): boolean {
  return command.spec.state === 'running' && observation.state === 'running' && (!observation.phase || observation.phase === 'running');
}

/** The phase reported while converging, from what is there to what should be. */
export function workingPhase(desired: DesiredState, observed: ClusterObservation['state']): ObservedPhase {
  if (desired === 'deleted') return 'deleting';
  // The lifecycle shows a cluster being put to sleep as `updating` until it is `sleeping`.
  if (desired === 'sleeping') return 'updating';
  if (observed === 'deleted') return 'provisioning';
  if (observed === 'sleeping') return 'waking';
  return 'updating';
}

export class Reconciler {
  private readonly workers = new Map<string, ClusterWorker>();
  private readonly latest = new Map<string, AgentStatus>();
  /** The newest backup report per cluster, sent again on every new connection (the control plane upserts it). */
  private readonly latestBackups = new Map<string, BackupReport>();
  /** The newest restore window per cluster, sent when it changes and again on every new connection. */
  private readonly latestWindows = new Map<string, RestoreWindowReport>();
  private readonly windowTimers = new Map<string, NodeJS.Timeout>();
  private readonly orphansReported = new Set<string>();
  private readonly limiter: Limiter;
  private checkTimer: NodeJS.Timeout | null = null;
  private scheduleTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private retentionRunning: Promise<void> | null = null;
  /** Schedules that do not parse, reported once per cluster and expression. */
  private readonly badSchedules = new Set<string>();
  private unwatch: (() => void) | null = null;
  private unwatchBackups: (() => void) | null = null;
  private windowRefreshTimer: NodeJS.Timeout | null = null;
  /** The status last sent per backup id (the newest BACKUP_STATUSES_REMEMBERED), oldest first. */
  private readonly backupStatuses = new Map<string, BackupReport['status']>();
  private closing = false;

  constructor(private readonly options: ReconcilerOptions) {
    this.limiter = new Limiter(options.concurrency ?? 4);
  }

  /** Converges every cluster the state file holds (after a restart nothing local may be running) and starts the drift check. */
  resume(): void {
    for (const clusterId of Object.keys(this.options.state.data.clusters)) this.schedule(clusterId, true);
    const interval = this.options.checkIntervalMs ?? 30_000;
    if (interval > 0) {
      this.checkTimer = setInterval(() => this.checkAll(), interval);
      this.checkTimer.unref();
    }
    // A change the driver saw (an operator's progress, archiving starting or failing) may move the restore window too.
    this.unwatch =
      this.options.driver.watch?.((clusterId) => {
        this.nudge(clusterId);
        if (this.options.state.cluster(clusterId)) this.windowChanged(clusterId);
      }) ?? null;
    this.unwatchBackups = this.options.driver.watchBackups?.((backup) => this.reportObservedBackup(backup)) ?? null;
    const scheduleEvery = this.options.scheduleCheckMs ?? 30_000;
    if (scheduleEvery > 0 && 'sink' in (this.options.backups ?? {})) {
      this.scheduleTimer = setInterval(() => this.runDueBackups(), scheduleEvery);
      this.scheduleTimer.unref();
    }
    if (this.options.driver.restoreWindow) {
      for (const clusterId of Object.keys(this.options.state.data.clusters)) this.windowChanged(clusterId);
      const refreshEvery = this.options.driver.restoreWindowRefreshMs ?? 0;
      if (refreshEvery > 0) {
        this.windowRefreshTimer = setInterval(() => this.refreshWindows(), refreshEvery);
        this.windowRefreshTimer.unref();
      }
    }
    const retentionEvery = this.options.retentionCheckMs ?? 60 * 60_000;
    if (retentionEvery > 0 && 'sink' in (this.options.backups ?? {})) {
      this.retentionTimer = setInterval(() => void this.applyRetention(), retentionEvery);
      this.retentionTimer.unref();
    }
  }

  /**
   * Removes, for every cluster the agent holds (deleted ones too: their backups outlive them for the retention
   * period), the backups past retention and those deleted through the API, always keeping each cluster's newest;
   * each removal is reported so the catalog shows it gone. One run at a time.
   */
  applyRetention(now = new Date()): Promise<void> {
    this.retentionRunning ??= (async () => {
      const backups = this.options.backups;
      if (!backups || !('sink' in backups) || this.options.driver.managesBackupLifecycle) return;
      for (const [clusterId, record] of Object.entries(this.options.state.data.clusters)) {
        const spec = record.applied?.spec;
        if (!spec || this.closing) continue;
        try {
          if (spec.state === 'deleted' && spec.backups.purge) {
            await this.purgeBackups(clusterId);
            continue;
          }
          const objects = await backups.sink.list(clusterBackupsPrefix(clusterId));
          const removed = new Set<string>();
          for (const expired of expiredBackups(clusterId, objects, spec.backups.retention_days, spec.backups.deleted_backup_ids, now)) {
            await backups.sink.delete(expired.keys);
            for (const key of expired.keys) removed.add(key);
            this.reportBackupRemoved(clusterId, expired.backupId);
            this.options.log.info('backup removed by retention', { cluster_id: clusterId, backup_id: expired.backupId });
          }
          const kept = objects.filter((object) => !removed.has(object.key));
          const wal = expiredWal(clusterId, kept, await this.oldestBackupBegin(backups.sink, kept));
          if (wal.length > 0) {
            await backups.sink.delete(wal);
            this.options.log.info('archived WAL removed by retention', { cluster_id: clusterId, files: wal.length });
          }
          if (removed.size > 0 || wal.length > 0) this.windowChanged(clusterId);
        } catch (error) {
          this.options.log.warn('backup retention failed; trying again next time', { cluster_id: clusterId, error: errorMessage(error) });
        }
      }
    })().finally(() => {
      this.retentionRunning = null;
    });
    return this.retentionRunning;
  }

  /**
   * Takes a command: durably records it when it is newer than anything held for its cluster, and schedules
   * the cluster. Resolves once recorded, which is when the command may be acknowledged.
   */
  async submit(command: Command): Promise<SubmitOutcome> {
    const { state, log } = this.options;
    const fields = { cluster_id: command.cluster_id, command_id: command.command_id, generation: command.generation, action: command.action };
    if (command.region_id !== state.data.region_id) {
      log.error('ignored a command addressed to another region', {
        ...fields,
        command_region_id: command.region_id,
        region_id: state.data.region_id,
      });
      return 'foreign';
    }
    const record = state.ensureCluster(command.cluster_id);
    if (command.generation < record.applied_generation) {
      log.info('stale command ignored', { ...fields, applied_generation: record.applied_generation });
      this.resendLatest(command.cluster_id);
      return 'stale';
    }
    if (record.pending && command.generation <= record.pending.generation) {
      log.debug('command already held', fields);
      return command.generation === record.pending.generation ? 'duplicate' : 'stale';
    }
    if (command.generation === record.applied_generation) {
      // Asked again for what was applied: check it still holds and answer with the status.
      log.info('command already applied; checking the cluster', fields);
      this.schedule(command.cluster_id, true);
      return 'duplicate';
    }
    record.pending = command;
    record.updated_at = new Date().toISOString();
    await state.commit();
    log.info('command recorded', fields);
    this.schedule(command.cluster_id, false);
    return 'recorded';
  }

  /** A resync names every cluster the region should have: report the ones held here that it does not know. */
  reportOrphans(knownClusterIds: string[]): void {
    const known = new Set(knownClusterIds);
    for (const [clusterId, record] of Object.entries(this.options.state.data.clusters)) {
      if (known.has(clusterId) || this.orphansReported.has(clusterId)) continue;
      if (record.applied?.spec.state === 'deleted' && record.failure === null) continue;
      this.orphansReported.add(clusterId);
      this.options.log.warn('cluster unknown to the control plane; left as it is', { cluster_id: clusterId });
      this.event(clusterId, {
        event_type: 'orphan',
        message: 'The agent holds this cluster but the control plane does not know it; it is left as it is.',
      });
    }
  }

  /** The generation applied per cluster, for `hello`. */
  appliedGenerations(): Array<{ cluster_id: string; generation: number }> {
    return Object.entries(this.options.state.data.clusters).map(([clusterId, record]) => ({
      cluster_id: clusterId,
      generation: record.applied_generation,
    }));
  }

  /**
   * A cluster the agent holds, as observability and requests see it: its applied spec, the driver's record and its
   * newest reported phase (null when the agent holds no such cluster). The password is opened only by `password()`.
   */
  cluster(clusterId: string): HeldCluster | null {
    const record = this.options.state.data.clusters[clusterId];
    const command = record?.applied;
    if (!record || !command) return null;
    const phase = this.latest.get(clusterId)?.phase ?? null;
    return {
      clusterId,
      spec: command.spec,
      record: record.driver,
      phase,
      running: phase === 'running' && command.spec.state === 'running',
      password: () => this.openPassword(command.spec.password_sealed),
    };
  }

  /** The ids of every cluster the agent holds. */
  clusterIds(): string[] {
    return Object.keys(this.options.state.data.clusters);
  }

  /** The newest status of every cluster, re-sent on each new connection. */
  latestStatuses(): AgentStatus[] {
    return [...this.latest.values()].map((status) => ({ ...status, at: new Date().toISOString() }));
  }

  /** Where the oldest kept backup began (null when none is kept or it has no LSN: then no WAL is removed). */
  private async oldestBackupBegin(sink: BackupSink, objects: ReadonlyArray<{ key: string; lastModified: Date | null }>): Promise<string | null> {
    const infos = objects.filter((object) => object.key.endsWith('/backup.json')).sort((a, b) => (a.lastModified?.getTime() ?? 0) - (b.lastModified?.getTime() ?? 0));
    if (infos.length === 0) return null;
    return (await readBackupInfo(sink, infos[0]!.key)).begin_lsn;
  }

  /** Removes everything a deleted cluster left in the object store (deleted with purge_backups), reporting each backup gone. */
  private async purgeBackups(clusterId: string): Promise<void> {
    const backups = this.options.backups;
    if (!backups || !('sink' in backups)) return;
    // Barman's layout is the plugin's own: there the ObjectStore's retention removes a deleted cluster's backups.
    if (this.options.driver.managesBackupLifecycle) {
      this.options.log.warn('purging backups is left to the ObjectStore retention policy on this driver', { cluster_id: clusterId });
      return;
    }
    const objects = await backups.sink.list(clusterBackupsPrefix(clusterId));
    if (objects.length === 0) return;
    await backups.sink.delete(objects.map((object) => object.key));
    const ids = new Set(objects.map((object) => /\/base\/([^/]+)\//.exec(object.key)?.[1]).filter((id): id is string => Boolean(id)));
    for (const backupId of ids) this.reportBackupRemoved(clusterId, backupId);
    this.options.log.info('backups purged with the cluster', { cluster_id: clusterId, objects: objects.length });
    this.windowChanged(clusterId);
  }

  private reportBackupRemoved(clusterId: string, backupId: string): void {
    const at = new Date().toISOString();
    this.reportBackup({
      cluster_id: clusterId,
      backup_id: backupId,
      kind: 'scheduled',
      status: 'deleted',
      started_at: at,
      finished_at: at,
      size_bytes: null,
      begin_lsn: null,
      end_lsn: null,
      begin_time: null,
      end_time: null,
      error: null,
    });
  }

  /**
   * Something changed what the cluster can be restored to (WAL archived, a backup taken or removed, a restore): its
   * window is read again shortly, once for however many changes come meanwhile, and sent if it differs.
   */
  windowChanged(clusterId: string): void {
    if (!this.options.driver.restoreWindow || this.windowTimers.has(clusterId) || this.closing) return;
    const timer = setTimeout(() => {
      this.windowTimers.delete(clusterId);
      void this.reportRestoreWindow(clusterId);
    }, this.options.windowDelayMs ?? 2_000);
    timer.unref();
    this.windowTimers.set(clusterId, timer);
  }

  private async reportRestoreWindow(clusterId: string): Promise<void> {
    let window;
    try {
      window = await this.options.driver.restoreWindow?.(clusterId, this.options.state.cluster(clusterId)?.driver ?? null);
    } catch (error) {
      this.options.log.warn('reading the restore window failed', { cluster_id: clusterId, error: errorMessage(error) });
      return;
    }
    if (!window) return;
    const report = restoreWindowSchema.parse({
      type: 'restore_window',
      cluster_id: clusterId,
      earliest: window.earliest,
      latest: window.latest,
      point_in_time: window.pointInTime,
      limitation: window.limitation,
      wal_gap: window.walGap,
      at: new Date().toISOString(),
    });
    const previous = this.latestWindows.get(clusterId);
    this.latestWindows.set(clusterId, report);
    if (previous && JSON.stringify({ ...previous, at: '' }) === JSON.stringify({ ...report, at: '' })) return;
    if (report.wal_gap && report.wal_gap !== previous?.wal_gap) this.options.log.error('gap in the archived WAL', { cluster_id: clusterId, gap: report.wal_gap });
    this.options.send(report);
  }

  /** Reads again the window of every cluster that runs, for drivers whose window moves with time. */
  private refreshWindows(): void {
    for (const [clusterId, record] of Object.entries(this.options.state.data.clusters)) {
      if (record.applied?.spec.state === 'running') this.windowChanged(clusterId);
    }
  }

  /**
   * A backup the driver saw on its platform (a scheduled one the platform took itself, or one the agent took and
   * reports itself as well): sent as reportBackup allows; a completed one moves the restore window. Clusters the agent
   * does not hold are left alone.
   */
  private reportObservedBackup(backup: ObservedBackup): void {
    if (this.closing || !this.options.state.cluster(backup.cluster_id) || !this.reportBackup(backup)) return;
    this.options.log.info('backup observed', { cluster_id: backup.cluster_id, backup_id: backup.backup_id, kind: backup.kind, status: backup.status });
    if (backup.status === 'completed') this.windowChanged(backup.cluster_id);
  }

  latestRestoreWindows(): RestoreWindowReport[] {
    return [...this.latestWindows.values()].map((report) => ({ ...report, at: new Date().toISOString() }));
  }

  latestBackupReports(): BackupReport[] {
    return [...this.latestBackups.values()].map((report) => ({ ...report, at: new Date().toISOString() }));
  }

  /** Resolves when no cluster is converging (tests, shutdown). */
  async idle(): Promise<void> {
    while (true) {
      const running = [...this.workers.values()].map((worker) => worker.running).filter((p): p is Promise<void> => p !== null);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Takes no new work and lets applies in progress finish, so no server is left half set up. */
  async stop(): Promise<void> {
    this.closing = true;
    if (this.checkTimer) clearInterval(this.checkTimer);
    if (this.scheduleTimer) clearInterval(this.scheduleTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.windowRefreshTimer) clearInterval(this.windowRefreshTimer);
    for (const timer of this.windowTimers.values()) clearTimeout(timer);
    this.windowTimers.clear();
    await this.retentionRunning;
    this.unwatch?.();
    this.unwatch = null;
    this.unwatchBackups?.();
    this.unwatchBackups = null;
    for (const worker of this.workers.values()) {
      if (worker.retryTimer) clearTimeout(worker.retryTimer);
      if (worker.followTimer) clearTimeout(worker.followTimer);
      worker.retryTimer = null;
      worker.followTimer = null;
    }
    await this.idle();
  }

  private worker(clusterId: string): ClusterWorker {
    let worker = this.workers.get(clusterId);
    if (!worker) {
      const retry = new Backoff(this.options.retry ?? { baseMs: 2000, capMs: 60_000 });
      worker = { wanted: false, report: false, running: null, retry, retryTimer: null, followTimer: null, followingSince: null };
      this.workers.set(clusterId, worker);
    }
    return worker;
  }

  private schedule(clusterId: string, report: boolean): void {
    if (this.closing) return;
    const worker = this.worker(clusterId);
    worker.wanted = true;
    worker.report ||= report;
    if (worker.retryTimer) {
      clearTimeout(worker.retryTimer);
      worker.retryTimer = null;
    }
    if (worker.followTimer) {
      clearTimeout(worker.followTimer);
      worker.followTimer = null;
    }
    worker.running ??= this.run(clusterId, worker);
  }

  /** The driver saw the cluster change: observe it again, unless a failed apply is waiting out its backoff. */
  private nudge(clusterId: string): void {
    if (!this.options.state.cluster(clusterId) || this.workers.get(clusterId)?.retryTimer) return;
    this.schedule(clusterId, false);
  }

  /** Observes a cluster again shortly while its driver says it is still converging, for at most `followLimitMs`. */
  private follow(clusterId: string, worker: ClusterWorker, observation: ClusterObservation): void {
    if (!observation.phase || !CONVERGING.has(observation.phase)) {
      worker.followingSince = null;
      return;
    }
    const now = Date.now();
    worker.followingSince ??= now;
    if (this.closing || now - worker.followingSince > (this.options.followLimitMs ?? 15 * 60_000)) return;
    if (worker.followTimer) clearTimeout(worker.followTimer);
    worker.followTimer = setTimeout(() => {
      worker.followTimer = null;
      this.schedule(clusterId, false);
    }, this.options.followIntervalMs ?? 1000);
    worker.followTimer.unref();
  }

  private async run(clusterId: string, worker: ClusterWorker): Promise<void> {
    try {
      while (worker.wanted && !this.closing) {
        worker.wanted = false;
        const report = worker.report;
        worker.report = false;
        await this.limiter.run(async () => {
          if (!this.closing) await this.converge(clusterId, worker, report);
        });
      }
    } catch (error) {
      this.options.log.error('reconciling a cluster failed unexpectedly', { cluster_id: clusterId, error: errorMessage(error) });
    } finally {
      worker.running = null;
    }
  }

  private checkAll(): void {
    for (const [clusterId, record] of Object.entries(this.options.state.data.clusters)) {
      if (record.applied?.spec.state === 'deleted' && record.failure === null) continue;
      const worker = this.workers.get(clusterId);
      // A failed cluster waits for its retry; the check must not undo the backoff.
      if (!worker?.running && !worker?.retryTimer) this.schedule(clusterId, false);
    }
  }

  private async converge(clusterId: string, worker: ClusterWorker, report: boolean): Promise<void> {
    const record = this.options.state.cluster(clusterId);
    if (!record) return;
    const pending = record.pending && record.pending.generation > record.applied_generation ? record.pending : null;
    const command = pending ?? record.applied;
    if (!command) return;
    let observation: ClusterObservation | null = null;
    try {
      observation = await this.options.driver.observe(clusterId, command.spec, record.driver);
    } catch (error) {
      this.options.log.warn('observing a cluster failed', { cluster_id: clusterId, error: errorMessage(error) });
    }
    if (!pending && record.failure === null && observation?.state === command.spec.state && !observation.drift) {
      this.reportStatus(clusterId, this.statusFrom(command.generation, observation), report);
      this.follow(clusterId, worker, observation);
      await this.takeRequestedBackup(clusterId, command, record, observation);
      await this.takeScheduledBackup(clusterId, command, record, observation);
      return;
    }
    if (!pending && observation && record.failure === null) {
      this.options.log.warn('cluster drifted from its spec; converging again', {
        cluster_id: clusterId,
        generation: command.generation,
        desired: command.spec.state,
        observed: observation.state,
        ...(observation.drift ? { drift: observation.drift } : {}),
      });
    }
    await this.apply(clusterId, command, record, observation, worker);
  }

  private async apply(
    clusterId: string,
    command: Command,
    record: ClusterRecord,
    observation: ClusterObservation | null,
    worker: ClusterWorker,
  ): Promise<void> {
    const { state, driver } = this.options;
    const { spec, generation } = command;
    const log = this.options.log.child({ cluster_id: clusterId, generation, action: command.action });
    const phase = workingPhase(spec.state, observation?.state ?? 'deleted');
    // A retry of a failed apply stays `failed` to the control plane until it succeeds.
    const retrying = record.failure !== null && command === record.applied;
    if (!retrying) {
      this.reportStatus(
        clusterId,
        {
          observed_generation: record.applied_generation,
          phase,
          ready_instances: observation?.ready_instances ?? 0,
          instances: observation?.instances ?? 0,
          endpoint: phase === 'updating' && observation?.state === 'running' ? observation.endpoint : null,
          message: `applying generation ${generation} (${command.action})`,
        },
        true,
      );
    }
    log.info('applying', { desired: spec.state, phase });
    const settle = (failure: string | null) => {
      record.applied_generation = generation;
      record.applied = command;
      if (record.pending && record.pending.generation <= generation) record.pending = null;
      record.failure = failure;
      record.updated_at = new Date().toISOString();
    };
    try {
      const password = await this.openPassword(spec.password_sealed);
      const result = await driver.apply({
        clusterId,
        generation,
        spec,
        password,
        record: record.driver,
        emit: (event) => this.event(clusterId, event),
      });
      if (result.observation.state !== spec.state) {
        throw new Error(`the ${driver.kind} driver left the cluster ${result.observation.state} instead of ${spec.state}`);
      }
      settle(null);
      record.driver = result.record;
      await state.commit();
      worker.retry.reset();
      this.reportStatus(clusterId, this.statusFrom(generation, result.observation), true);
      this.follow(clusterId, worker, result.observation);
      log.info('applied', { state: spec.state, phase: result.observation.phase ?? spec.state, endpoint: result.observation.endpoint });
      if (spec.state === 'deleted' && spec.backups.purge) {
        await this.purgeBackups(clusterId).catch((error: unknown) => log.warn('purging backups failed; retention tries again', { error: errorMessage(error) }));
      }
      if (result.restored) {
        // Its data came from an archive: a backup of its own starts its own restorable history at once.
        this.windowChanged(clusterId);
        await this.takeBackup(clusterId, newId('bk'), 'automatic', command, record);
      }
      await this.takeRequestedBackup(clusterId, command, record, result.observation);
      await this.takeScheduledBackup(clusterId, command, record, result.observation);
    } catch (error) {
      const message = errorMessage(error);
      // A retry failing the same way again is not news: no new event, and the status only if it changed.
      const repeated = record.failure === message && record.applied_generation === generation;
      settle(message);
      await state.commit().catch((commitError: unknown) => log.error('recording a failure failed', { error: errorMessage(commitError) }));
      const delay = worker.retry.next();
      log.error('apply failed; retrying', { error: message, retry_in_ms: delay });
      this.reportStatus(
        clusterId,
        { observed_generation: generation, phase: 'failed', ready_instances: 0, instances: 0, endpoint: null, message: clip(message, MESSAGE_LIMIT) },
        !repeated,
      );
      if (!repeated) this.event(clusterId, { event_type: 'failed', message: `Generation ${generation} (${command.action}) failed: ${message}` });
      if (!this.closing) {
        worker.retryTimer = setTimeout(() => {
          worker.retryTimer = null;
          this.schedule(clusterId, false);
        }, delay);
        worker.retryTimer.unref();
      }
    }
  }

  /**
   * The backup asked for on demand, once the cluster runs as its command wants: taken once, whether it succeeds or
   * fails (a failed one is asked for again with a new id). An agent stopped mid-backup takes it again when it comes
   * back, since the id is remembered only at the end.
   */
  private async takeRequestedBackup(clusterId: string, command: Command, record: ClusterRecord, observation: ClusterObservation): Promise<void> {
    const requested = command.spec.backups.requested;
    if (!requested || !runsAsAsked(command, observation)) return;
    if (record.backups_taken.includes(requested.backup_id) || this.closing) return;
    await this.takeBackup(clusterId, requested.backup_id, 'manual', command, record);
    record.backups_taken = [requested.backup_id, ...record.backups_taken.filter((id) => id !== requested.backup_id)].slice(0, BACKUPS_REMEMBERED);
    await this.options.state.commit();
  }

  /**
   * The backup the cluster's schedule has due, if any. A cluster first seen starts its schedule from now (no backup
   * at once); an agent that was down through a due time takes one backup when it is back, not one per missed time.
   */
  private async takeScheduledBackup(clusterId: string, command: Command, record: ClusterRecord, observation: ClusterObservation): Promise<void> {
    if (!runsAsAsked(command, observation) || this.closing || !('sink' in (this.options.backups ?? {})) || this.options.driver.managesBackupLifecycle) return;
    const now = new Date();
    if (!record.last_scheduled_backup_at) {
      record.last_scheduled_backup_at = now.toISOString();
      await this.options.state.commit();
      return;
    }
    const due = this.nextScheduledBackup(clusterId, command.spec.backups.schedule, new Date(record.last_scheduled_backup_at));
    if (!due || due > now) return;
    record.last_scheduled_backup_at = now.toISOString();
    await this.options.state.commit();
    await this.takeBackup(clusterId, newId('bk'), 'scheduled', command, record);
  }

  private nextScheduledBackup(clusterId: string, expression: string, after: Date): Date | null {
    try {
      return nextRun(parseCron(expression), after);
    } catch (error) {
      const key = `${clusterId} ${expression}`;
      if (!this.badSchedules.has(key)) {
        this.badSchedules.add(key);
        this.options.log.error('backup schedule cannot be read; no scheduled backups', { cluster_id: clusterId, schedule: expression, error: errorMessage(error) });
      }
      return null;
    }
  }

  /** Looks at every cluster whose scheduled backup is due and lets its worker take it. */
  private runDueBackups(): void {
    if (this.options.driver.managesBackupLifecycle) return;
    const now = new Date();
    for (const [clusterId, record] of Object.entries(this.options.state.data.clusters)) {
      const command = record.applied;
      if (!command || command.spec.state !== 'running' || record.failure !== null || !record.last_scheduled_backup_at) continue;
      const due = this.nextScheduledBackup(clusterId, command.spec.backups.schedule, new Date(record.last_scheduled_backup_at));
      const worker = this.workers.get(clusterId);
      if (due && due <= now && !worker?.running && !worker?.retryTimer) this.schedule(clusterId, false);
    }
  }

  /** Takes one backup and reports it as it starts and as it ends; the outcome is the report, never an exception. */
  private async takeBackup(clusterId: string, backupId: string, kind: BackupKind, command: Command, record: ClusterRecord): Promise<void> {
    const { driver } = this.options;
    const log = this.options.log.child({ cluster_id: clusterId, backup_id: backupId, kind });
    const startedAt = new Date().toISOString();
    const base = { cluster_id: clusterId, backup_id: backupId, kind, started_at: startedAt };
    this.reportBackup({ ...base, status: 'running', finished_at: null, size_bytes: null, begin_lsn: null, end_lsn: null, begin_time: null, end_time: null, error: null });
    log.info('backup starting');
    try {
      const backups = this.options.backups ?? { unavailable: 'backups are not configured in this region' };
      if ('unavailable' in backups) throw new Error(backups.unavailable);
      if (!driver.backup) throw new Error(`the ${driver.kind} driver does not take backups`);
      const outcome = await driver.backup({
        clusterId,
        backupId,
        kind,
        spec: command.spec,
        record: record.driver,
        sink: backups.sink,
      });
      this.reportBackup({
        ...base,
        status: 'completed',
        finished_at: new Date().toISOString(),
        size_bytes: outcome.sizeBytes,
        begin_lsn: outcome.begin.lsn,
        end_lsn: outcome.end.lsn,
        begin_time: outcome.begin.time,
        end_time: outcome.end.time,
        error: null,
      });
      log.info('backup completed', { size_bytes: outcome.sizeBytes });
      this.windowChanged(clusterId);
    } catch (error) {
      const message = clip(errorMessage(error), MESSAGE_LIMIT);
      this.reportBackup({ ...base, status: 'failed', finished_at: new Date().toISOString(), size_bytes: null, begin_lsn: null, end_lsn: null, begin_time: null, end_time: null, error: message });
      log.error('backup failed', { error: message });
    }
  }

  /**
   * Sends a backup's report unless it repeats the status last sent for it or would take it back from an outcome (two
   * paths may tell the same backup: the agent taking it, and the driver watching its platform). Says whether it sent.
   */
  private reportBackup(fields: Omit<BackupReport, 'type' | 'at'>): boolean {
    const sent = this.backupStatuses.get(fields.backup_id);
    if (sent === fields.status || (sent !== undefined && sent !== 'running' && fields.status !== 'deleted')) return false;
    const report = backupReportSchema.parse({ type: 'backup', ...fields, at: new Date().toISOString() });
    this.latestBackups.set(report.cluster_id, report);
    this.backupStatuses.delete(report.backup_id);
    this.backupStatuses.set(report.backup_id, report.status);
    if (this.backupStatuses.size > BACKUP_STATUSES_REMEMBERED) this.backupStatuses.delete(this.backupStatuses.keys().next().value!);
    this.options.send(report);
    return true;
  }

  private async openPassword(sealed: string): Promise<string> {
    const key = this.options.state.data.region_key;
    if (!key) throw new Error('the agent has no region key yet (not registered)');
    try {
      return await unseal(key, sealed);
    } catch {
      throw new Error("the cluster password cannot be opened with this region's key (sealed for another region, or the key changed)");
    }
  }

  private statusFrom(generation: number, observation: ClusterObservation): Omit<AgentStatus, 'type' | 'cluster_id' | 'at'> {
    return {
      observed_generation: generation,
      phase: observation.phase ?? observation.state,
      ready_instances: observation.state === 'running' ? observation.ready_instances : 0,
      instances: observation.state === 'deleted' ? 0 : observation.instances,
      endpoint: observation.state === 'running' ? observation.endpoint : null,
      message: clip(observation.message, MESSAGE_LIMIT),
    };
  }

  /** Sends a status when it differs from the last one sent for the cluster, or always when `force`. */
  private reportStatus(clusterId: string, fields: Omit<AgentStatus, 'type' | 'cluster_id' | 'at'>, force: boolean): void {
    const status = statusSchema.parse({ type: 'status', cluster_id: clusterId, ...fields, at: new Date().toISOString() });
    const previous = this.latest.get(clusterId);
    this.latest.set(clusterId, status);
    if (!force && previous && sameStatus(previous, status)) return;
    this.options.send(status);
  }

  private resendLatest(clusterId: string): void {
    const status = this.latest.get(clusterId);
    if (status) this.options.send({ ...status, at: new Date().toISOString() });
  }

  private event(clusterId: string, event: DriverEvent): void {
    this.options.send({
      type: 'event',
      cluster_id: clusterId,
      event_type: clip(event.event_type, 64),
      message: clip(event.message, MESSAGE_LIMIT),
      at: new Date().toISOString(),
    });
  }
}

function sameStatus(a: AgentStatus, b: AgentStatus): boolean {
  return (
    a.observed_generation === b.observed_generation &&
    a.phase === b.phase &&
    a.ready_instances === b.ready_instances &&
    a.instances === b.instances &&
    a.message === b.message &&
    a.endpoint?.host === b.endpoint?.host &&
    a.endpoint?.port === b.endpoint?.port
  );
}
