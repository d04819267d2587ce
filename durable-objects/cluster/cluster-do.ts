// ClusterDO: one per cluster, and the holder of its live state. It serializes everything that changes the
// cluster's observed state — dispatching commands, the region's reports and events, delivery failures — and
// applies the state machine (cluster-state.ts) to its own copy of the cluster first, so subscribers hear about a
// change as soon as the region reports it; the catalog is written right after.
//
// The catalog stays the source of truth for the desired side: mutations write it, then dispatch here. The copy
// is refreshed on every dispatch, and every catalog write is guarded by the generation the copy was made at, so
// a mutation this object has not heard of (a dispatch that failed) is noticed and the report applied again.
//
// It also holds the cluster's telemetry (telemetry.ts): metric series and health probes in its SQLite storage, and
// the live metrics and log lines it passes on to subscribers while its channels are watched.
import { DurableObject } from 'cloudflare:workers';
import { and, eq, inArray, ne } from 'drizzle-orm';
import { backups, clusterEvents, clusters, operations } from '../../drizzle/schema.ts';
import {
  backupReportSchema,
  commandSchema,
  restoreWindowSchema,
  eventSchema,
  statusSchema,
  type AgentEvent,
  type AgentResponse,
  type AgentStatus,
  type BackupReport,
  type Command,
  type HealthReport,
  type LogsReport,
  type MetricsReport,
  type RestoreWindowReport,
} from '../../protocol/agent.ts';
import { inFlightOperationStatuses, type MetricSeries } from '../../protocol/enums.ts';
import type { HealthHistory, MetricsResponse } from '../../protocol/observability.ts';
import { parseSettings } from '../../core/settings.ts';
import type { ObjectBindings } from '../bindings.ts';
import type { ClusterRow, OperationRow } from '../../core/clusters/serialize.ts';
import { openDatabase, type HttpDatabase } from '../../core/db.ts';
import { ID_PATTERN, newId } from '../../protocol/ids.ts';
import { log } from '../../core/logger.ts';
import { backupMessage, eventMessage, operationMessage, publish, restoreWindowMessage, statusMessage, type EventRow, type Published } from './messages.ts';
import { applyReport } from '../../core/clusters/state-machine.ts';
import type { DispatchReceipt } from '../region/presence.ts';
import { regionObject } from '../region/stub.ts';
import { ClusterTelemetry, type TelemetryCluster, type TimeRangeQuery, type WatchKind } from './telemetry.ts';

/** The cluster as this object knows it: its catalog row (without the password) and the operation in flight. */
interface Snapshot {
  cluster: Omit<ClusterRow, 'passwordCiphertext'> & { passwordCiphertext: null };
  operation: OperationRow | null;
}

const SNAPSHOT_KEY = 'snapshot';
/** How long telemetry trusts its in-memory copy of the cluster's region, org and size. */
const TELEMETRY_CLUSTER_TTL_MS = 30_000;

export class ClusterDO extends DurableObject<ObjectBindings> {
  // One change at a time: reports, events and dispatches of one cluster never interleave.
  private queue: Promise<unknown> = Promise.resolve();
  private readonly telemetry: ClusterTelemetry;
  /** When a log follow nobody listened to was last stopped (in memory: a repeat after a restart is harmless). */
  private unheardLogsStoppedAt = 0;
  /** null for a cluster the catalog does not have, so an agent's reports of one cost a catalog read only now and then. */
  private heldTelemetryCluster: { id: string; cluster: TelemetryCluster | null; at: number } | null = null;

  constructor(ctx: DurableObjectState, env: ObjectBindings) {
    super(ctx, env);
    this.telemetry = new ClusterTelemetry(ctx, env);
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Drops this instance as a crash or a deploy would (storage is kept, sockets are cut); reached only through the
   * local stack's POST /v1/dev/restart-objects, for the chaos run.
   */
  restart(): void {
    this.ctx.abort('restarted on request');
  }

  /** Sends a committed operation's command on both paths: the queue (durable) and the RegionDO (fast). */
  dispatch(command: Command): Promise<void> {
    const cmd = commandSchema.parse(command);
    return this.serialized(async () => {
      const [direct, queued] = await Promise.allSettled([
        regionObject(this.env, cmd.region_id).enqueue(cmd),
        this.env.COMMAND_QUEUE.send(cmd),
      ]);
      const failures = [direct, queued].filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      for (const f of failures) log('warn', 'command path failed', { command_id: cmd.command_id, error: String(f.reason) });
      // One path is enough: the queue retries into the RegionDO, and the RegionDO dedupes by command_id.
      if (failures.length === 2) throw new Error(`command ${cmd.command_id} could not be sent on any path`);
      // An operation whose region has no agent to run it says so, rather than just "running".
      const receipt: DispatchReceipt | null = direct.status === 'fulfilled' ? direct.value : null;

      const published: Published[] = [];
      await this.withCatalog(async (db) => {
        if (cmd.operation_id) {
          const [op] = await db
            .update(operations)
            .set({ status: 'running', statusMessage: receipt?.waiting ?? null, updatedAt: new Date() })
            .where(and(eq(operations.id, cmd.operation_id), eq(operations.status, 'pending')))
            .returning();
          if (op) published.push(operationMessage(op));
        }
        await this.reload(db, cmd.cluster_id);
      });
      await this.publish(published);
    });
  }

  /** A region's observation of this cluster. Reports from any other region than the cluster's are dropped. */
  report(regionId: string, status: AgentStatus): Promise<void> {
    const report = statusSchema.parse(status);
    return this.serialized(() => this.withCatalog((db) => this.applyStatus(db, regionId, report, true)));
  }

  recordEvent(regionId: string, event: AgentEvent): Promise<void> {
    const parsed = eventSchema.parse(event);
    return this.serialized(() =>
      this.withCatalog(async (db) => {
        const snapshot = await this.snapshot(db, parsed.cluster_id);
        if (!snapshot || snapshot.cluster.regionId !== regionId) {
          log('warn', 'event for a cluster of another region dropped', { cluster_id: parsed.cluster_id, region_id: regionId });
          return;
        }
        const row = eventRow(snapshot.cluster, parsed.event_type, parsed.message);
        await this.publish([eventMessage(row)]);
        await db.insert(clusterEvents).values(row);
      }),
    );
  }

  /**
   * A backup's progress as the region reports it: the catalog's row follows (a scheduled backup gets its row here),
   * and the operation of a backup asked for through the API ends with it. A backup deleted through the API stays
   * deleted whatever the region reports after.
   */
  recordBackup(regionId: string, report: BackupReport): Promise<void> {
    const parsed = backupReportSchema.parse(report);
    return this.serialized(() =>
      this.withCatalog(async (db) => {
        const snapshot = await this.snapshot(db, parsed.cluster_id);
        if (!snapshot || snapshot.cluster.regionId !== regionId || !ID_PATTERN.test(parsed.backup_id) || !parsed.backup_id.startsWith('bk_')) {
          log('warn', 'backup report dropped', { cluster_id: parsed.cluster_id, region_id: regionId });
          return;
        }
        const { cluster } = snapshot;
        const now = new Date();
        if (parsed.status === 'deleted') {
          // The region removed its objects: gone from the catalog too, whether retention or the API asked.
          const [gone] = await db
            .update(backups)
            .set({ status: 'deleted', updatedAt: now })
            .where(and(eq(backups.id, parsed.backup_id), eq(backups.clusterId, cluster.id), ne(backups.status, 'deleted')))
            .returning();
          if (gone) await this.publish([backupMessage(gone)]);
          return;
        }
        const date = (iso: string | null) => (iso ? new Date(iso) : null);
        const values = {
          status: parsed.status,
          startedAt: new Date(parsed.started_at),
          finishedAt: date(parsed.finished_at),
          sizeBytes: parsed.size_bytes,
          beginLsn: parsed.begin_lsn,
          endLsn: parsed.end_lsn,
          beginTime: date(parsed.begin_time),
          endTime: date(parsed.end_time),
          error: parsed.error,
          updatedAt: now,
        };
        const [row] = await db
          .insert(backups)
          .values({ id: parsed.backup_id, orgId: cluster.orgId, clusterId: cluster.id, kind: parsed.kind, ...values })
          .onConflictDoUpdate({ target: backups.id, set: values, setWhere: and(eq(backups.clusterId, cluster.id), ne(backups.status, 'deleted')) })
          .returning();
        if (!row) return;
        const published: Published[] = [backupMessage(row)];
        const op = snapshot.operation;
        if (parsed.status !== 'running') {
          const text =
            parsed.status === 'completed'
              ? `Backup ${row.id} completed (${row.sizeBytes ?? 0} bytes stored).`
              : `Backup ${row.id} failed: ${parsed.error ?? 'no reason given'}`;
          const event = eventRow(cluster, parsed.status === 'completed' ? 'backup_completed' : 'backup_failed', text);
          await db.insert(clusterEvents).values(event);
          published.push(eventMessage(event));
        }
        if (op && op.action === 'backup' && row.operationId === op.id && parsed.status !== 'running') {
          const [ended] = await db
            .update(operations)
            .set({
              status: parsed.status === 'completed' ? 'finished' : 'failed',
              error: parsed.status === 'failed' ? (parsed.error ?? 'The backup failed') : null,
              statusMessage: null,
              updatedAt: now,
              finishedAt: now,
            })
            .where(and(eq(operations.id, op.id), inArray(operations.status, inFlightOperationStatuses)))
            .returning();
          if (ended) {
            published.push(operationMessage(ended));
            await this.ctx.storage.put<Snapshot>(SNAPSHOT_KEY, { ...snapshot, operation: null });
          }
        }
        await this.publish(published);
      }),
    );
  }

  /** What the cluster's history can be restored to, as its region reads it from the object store. */
  recordRestoreWindow(regionId: string, report: RestoreWindowReport): Promise<void> {
    const parsed = restoreWindowSchema.parse(report);
    return this.serialized(() =>
      this.withCatalog(async (db) => {
        const snapshot = await this.snapshot(db, parsed.cluster_id);
        if (!snapshot || snapshot.cluster.regionId !== regionId) {
          log('warn', 'restore window dropped', { cluster_id: parsed.cluster_id, region_id: regionId });
          return;
        }
        const previousGap = snapshot.cluster.walGap;
        const [row] = await db
          .update(clusters)
          .set({
            restoreEarliest: parsed.earliest ? new Date(parsed.earliest) : null,
            restoreLatest: parsed.latest ? new Date(parsed.latest) : null,
            restorePointInTime: parsed.point_in_time,
            restoreLimitation: parsed.limitation,
            walGap: parsed.wal_gap,
          })
          .where(eq(clusters.id, parsed.cluster_id))
          .returning();
        if (!row) return;
        const published: Published[] = [restoreWindowMessage(row)];
        if (parsed.wal_gap && parsed.wal_gap !== previousGap) {
          const event = eventRow(row, 'wal_gap', parsed.wal_gap);
          await db.insert(clusterEvents).values(event);
          published.push(eventMessage(event));
        }
        await this.ctx.storage.put<Snapshot>(SNAPSHOT_KEY, { ...snapshot, cluster: { ...row, passwordCiphertext: null } });
        await this.publish(published);
      }),
    );
  }

  // ---- telemetry ----

  /** A metric sample from the region's agent; dropped unless the cluster is in that region. */
  async recordMetrics(regionId: string, report: MetricsReport): Promise<void> {
    const cluster = await this.reportingCluster(regionId, report.cluster_id, 'metrics');
    if (cluster) await this.telemetry.recordMetrics(cluster, report);
  }

  async recordHealth(regionId: string, report: HealthReport): Promise<void> {
    const cluster = await this.reportingCluster(regionId, report.cluster_id, 'health');
    if (cluster) await this.telemetry.recordHealth(cluster, report);
  }

  /**
   * Log lines of a followed cluster, passed on to its `logs:` subscribers. Lines nobody receives mean a follow that
   * outlived its subscribers: the region is told to stop it (at most once a minute).
   */
  async recordLogs(regionId: string, report: LogsReport): Promise<void> {
    const cluster = await this.reportingCluster(regionId, report.cluster_id, 'logs');
    if (!cluster || (await this.telemetry.recordLogs(cluster, report)) !== 0) return;
    if (Date.now() - this.unheardLogsStoppedAt < 60_000) return;
    this.unheardLogsStoppedAt = Date.now();
    await this.telemetry.setWatching('logs', false);
    const answer: AgentResponse = await regionObject(this.env, regionId).followLogs(cluster.id, false);
    if (!answer.ok) log('info', 'unheard log follow not stopped by the agent', { cluster_id: cluster.id, code: answer.code ?? null });
  }

  /** The stored series over the range (see metrics-resolution.ts for the step and table chosen). */
  async metrics(query: TimeRangeQuery & { stepSeconds: number | null; series: MetricSeries[] }): Promise<MetricsResponse> {
    const saved = await this.ctx.storage.get<Snapshot>(SNAPSHOT_KEY);
    const response = this.telemetry.readMetrics(saved ? { id: saved.cluster.id, instances: saved.cluster.instances } : null, query);
    return response.cluster_id ? response : { ...response, cluster_id: this.ctx.id.name ?? '' };
  }

  /** Up/down/asleep/unknown intervals, probe latency and uptime (see health-intervals.ts). */
  async healthHistory(query: TimeRangeQuery): Promise<HealthHistory> {
    const saved = await this.ctx.storage.get<Snapshot>(SNAPSHOT_KEY);
    const sleeping = saved?.cluster.status === 'sleeping' || saved?.cluster.status === 'waking';
    return this.telemetry.readHealth(saved?.cluster.id ?? this.ctx.id.name ?? '', query, sleeping);
  }

  /**
   * Whether someone subscribes to the cluster's `metrics:` or `logs:` channel (told by its org's RealtimeDO on the
   * first subscriber and after the last). Metrics are published only while watched; a watched log is followed by
   * the region's agent, which is asked through the RegionDO.
   */
  async watch(kind: WatchKind, on: boolean, clusterId?: string): Promise<void> {
    if (!(await this.telemetry.setWatching(kind, on)) || kind !== 'logs') return;
    const id = clusterId ?? this.ctx.id.name;
    const saved = await this.ctx.storage.get<Snapshot>(SNAPSHOT_KEY);
    const snapshot = saved ?? (id ? await this.serialized(() => this.withCatalog((db) => this.snapshot(db, id))) : null);
    if (!snapshot) return;
    const answer: AgentResponse = await regionObject(this.env, snapshot.cluster.regionId).followLogs(snapshot.cluster.id, on);
    if (!answer.ok) log('info', 'log follow not confirmed by the agent', { cluster_id: snapshot.cluster.id, follow: on, code: answer.code ?? null });
  }

  /**
   * The cluster as telemetry needs it, from the snapshot this object holds (the catalog is read only when it holds
   * none); null, and the report dropped, when the cluster is not that region's or is gone.
   */
  private async reportingCluster(regionId: string, clusterId: string, kind: string): Promise<TelemetryCluster | null> {
    // Samples come every 10 s: what they need of the snapshot (fixed but for its size and deletion) is kept in
    // memory for a while rather than read from storage each time.
    const held = this.heldTelemetryCluster;
    if (held && held.id === clusterId && Date.now() - held.at < TELEMETRY_CLUSTER_TTL_MS) {
      return held.cluster && held.cluster.regionId === regionId && !held.cluster.deleted ? held.cluster : this.dropReport(kind, clusterId, regionId);
    }
    let snapshot = await this.ctx.storage.get<Snapshot>(SNAPSHOT_KEY);
    if (!snapshot || snapshot.cluster.id !== clusterId) {
      // In the queue: a reload must not overwrite a fresher snapshot written by a report being applied.
      snapshot = (await this.serialized(() => this.withCatalog((db) => this.snapshot(db, clusterId)))) ?? undefined;
    }
    if (!snapshot) {
      this.heldTelemetryCluster = { id: clusterId, cluster: null, at: Date.now() };
      return this.dropReport(kind, clusterId, regionId);
    }
    const { cluster } = snapshot;
    const telemetryCluster = { id: cluster.id, orgId: cluster.orgId, regionId: cluster.regionId, instances: cluster.instances, deleted: cluster.deletedAt !== null };
    this.heldTelemetryCluster = { id: clusterId, cluster: telemetryCluster, at: Date.now() };
    return telemetryCluster.regionId === regionId && !telemetryCluster.deleted ? telemetryCluster : this.dropReport(kind, clusterId, regionId);
  }

  private dropReport(kind: string, clusterId: string, regionId: string): null {
    log('warn', `${kind} report dropped`, { cluster_id: clusterId, region_id: regionId });
    return null;
  }

  /** The command of this operation could not be delivered (the commands queue's dead letters). */
  failOperation(operationId: string, error: string): Promise<void> {
    return this.serialized(() =>
      this.withCatalog(async (db) => {
        const now = new Date();
        const [op] = await db
          .update(operations)
          .set({ status: 'failed', error, statusMessage: null, updatedAt: now, finishedAt: now })
          .where(and(eq(operations.id, operationId), inArray(operations.status, ['pending', 'running'])))
          .returning();
        if (!op) return;
        const [cluster] = await db
          .update(clusters)
          .set({ status: 'failed', health: 'unknown', statusMessage: error, updatedAt: now })
          .where(eq(clusters.id, op.clusterId))
          .returning();
        const published: Published[] = [operationMessage(op)];
        if (cluster) {
          published.push(statusMessage(cluster));
          const row = eventRow(cluster, 'operation_failed', error);
          await db.insert(clusterEvents).values(row);
          published.push(eventMessage(row));
          await this.reload(db, cluster.id);
        }
        await this.publish(published);
      }),
    );
  }

  private async applyStatus(db: HttpDatabase, regionId: string, report: AgentStatus, retry: boolean): Promise<void> {
    let snapshot = await this.snapshot(db, report.cluster_id);
    // A generation this object has not seen means a mutation it was not told about: catch up first.
    if (snapshot && report.observed_generation > snapshot.cluster.generation) snapshot = await this.reload(db, report.cluster_id);
    if (!snapshot || snapshot.cluster.regionId !== regionId) {
      log('warn', 'report for a cluster of another region dropped', { cluster_id: report.cluster_id, region_id: regionId });
      return;
    }
    const { cluster, operation } = snapshot;
    if (cluster.deletedAt) return;
    const outcome = applyReport(
      {
        status: cluster.status,
        generation: cluster.generation,
        observedGeneration: cluster.observedGeneration,
        desiredState: cluster.desiredState,
        operation: operation ? { id: operation.id, generation: operation.generation, action: operation.action } : null,
      },
      report,
    );
    if (!outcome.cluster) return;

    const now = new Date();
    const next = outcome.cluster;
    const changes = {
      status: next.status,
      health: next.health,
      observedGeneration: next.observedGeneration,
      readyInstances: next.readyInstances,
      endpointHost: next.endpoint?.host ?? null,
      endpointPort: next.endpoint?.port ?? null,
      statusMessage: next.message || null,
      lastReportAt: now,
      updatedAt: now,
      // Gone for good once the region confirms it: the name is free again and lists skip it.
      ...(next.status === 'deleted' && cluster.desiredState === 'deleted' ? { deletedAt: now } : {}),
    };
    const updatedCluster = { ...cluster, ...changes };
    // Sleep and wake shape the health history: asleep is neither up nor down.
    if ('deletedAt' in changes) {
      this.telemetry.clear();
      this.heldTelemetryCluster = null;
    } else {
      this.telemetry.recordStatus(next.status, now.getTime());
    }
    let updatedOperation: OperationRow | null = operation;
    if (operation && outcome.operation && (outcome.operation.status !== operation.status || outcome.operation.error !== operation.error)) {
      const terminal = outcome.operation.status !== 'running';
      updatedOperation = {
        ...operation,
        status: outcome.operation.status,
        error: outcome.operation.error,
        // The region is answering again, whatever waited for it before.
        statusMessage: null,
        updatedAt: now,
        ...(terminal ? { finishedAt: now } : {}),
      };
    }
    const event = next.status !== cluster.status ? eventRow(cluster, 'status', `Status changed from ${cluster.status} to ${next.status}`) : null;

    // Subscribers first: the report is the news, and the state is already decided.
    const published: Published[] = [statusMessage(updatedCluster)];
    if (event) published.push(eventMessage(event));
    if (updatedOperation !== operation && updatedOperation) published.push(operationMessage(updatedOperation));
    await this.publish(published);
    const stillInFlight = updatedOperation && (updatedOperation.status === 'pending' || updatedOperation.status === 'running') ? updatedOperation : null;
    await this.ctx.storage.put<Snapshot>(SNAPSHOT_KEY, { cluster: updatedCluster, operation: stillInFlight });

    // One round trip, one transaction: the cluster (only at the generation decided on), its operation, its event.
    const [clusterWrite] = await db.batch([
      db
        .update(clusters)
        .set(changes)
        .where(and(eq(clusters.id, cluster.id), eq(clusters.generation, cluster.generation)))
        .returning({ id: clusters.id }),
      ...(updatedOperation !== operation && updatedOperation
        ? [
            db
              .update(operations)
              .set({
                status: updatedOperation.status,
                error: updatedOperation.error,
                statusMessage: null,
                updatedAt: now,
                finishedAt: updatedOperation.finishedAt,
              })
              .where(and(eq(operations.id, updatedOperation.id), inArray(operations.status, ['pending', 'running']))),
          ]
        : []),
      ...(event ? [db.insert(clusterEvents).values(event)] : []),
    ] as const);
    if (clusterWrite.length === 0 && retry) {
      // The catalog moved on (a mutation this object missed): apply the report to the real state instead.
      await this.reload(db, cluster.id);
      await this.applyStatus(db, regionId, report, false);
    }
  }

  private async snapshot(db: HttpDatabase, clusterId: string): Promise<Snapshot | null> {
    const saved = await this.ctx.storage.get<Snapshot>(SNAPSHOT_KEY);
    if (saved && saved.cluster.id === clusterId) return saved;
    return this.reload(db, clusterId);
  }

  private async reload(db: HttpDatabase, clusterId: string): Promise<Snapshot | null> {
    const [row] = await db.select().from(clusters).where(eq(clusters.id, clusterId));
    if (!row) return null;
    const [operation] = await db
      .select()
      .from(operations)
      .where(and(eq(operations.clusterId, clusterId), inArray(operations.status, ['pending', 'running'])))
      .limit(1);
    const snapshot: Snapshot = { cluster: { ...row, passwordCiphertext: null }, operation: operation ?? null };
    await this.ctx.storage.put<Snapshot>(SNAPSHOT_KEY, snapshot);
    return snapshot;
  }

  private async withCatalog<T>(work: (db: HttpDatabase) => Promise<T>): Promise<T> {
    const database = openDatabase(parseSettings(this.env));
    try {
      return await work(database.http());
    } finally {
      await database.close();
    }
  }

  private publish(items: Published[]): Promise<void> {
    return publish(this.env, items);
  }
}

function eventRow(cluster: { id: string; orgId: string }, type: string, message: string): EventRow {
  return { id: newId('ev'), orgId: cluster.orgId, clusterId: cluster.id, type, message, createdAt: new Date() };
}
