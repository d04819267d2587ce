// ClusterDO: one per cluster. It serializes everything that changes a cluster's observed state — dispatching
// commands, the region's reports and events, delivery failures — applies the state machine
// (cluster-state.ts) to the catalog, and publishes each change to the org's RealtimeDO.
import { DurableObject } from 'cloudflare:workers';
import { and, eq, inArray } from 'drizzle-orm';
import { clusterEvents, clusters, operations } from '../drizzle/schema.ts';
import {
  commandSchema,
  eventSchema,
  statusSchema,
  type AgentEvent,
  type AgentStatus,
  type Command,
  type DesiredState,
} from '../queues/protocol.ts';
import { parseSettings, type Bindings } from '../workers/env.ts';
import { serializeCluster, serializeEvent, serializeOperation } from '../workers/lib/clusters.ts';
import { openDatabase, type Database, type Queryable } from '../workers/lib/db.ts';
import { newId } from '../workers/lib/ids.ts';
import { log } from '../workers/lib/logger.ts';
import type { ClusterStatus } from '../workers/schemas/clusters.ts';
import { applyReport } from './cluster-state.ts';

type Published = { channels: string[]; message: Record<string, unknown> };

export class ClusterDO extends DurableObject<Bindings> {
  // One change at a time: reports, events and dispatches of one cluster never interleave.
  private queue: Promise<unknown> = Promise.resolve();

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Sends a committed operation's command on both paths: the queue (durable) and the RegionDO (fast). */
  dispatch(command: Command): Promise<void> {
    const cmd = commandSchema.parse(command);
    return this.serialized(async () => {
      const published: Published[] = [];
      if (cmd.operation_id) {
        await this.withCatalog(async (db) => {
          const [op] = await db
            .update(operations)
            .set({ status: 'running', updatedAt: new Date() })
            .where(and(eq(operations.id, cmd.operation_id!), eq(operations.status, 'pending')))
            .returning();
          if (op) published.push(this.operationMessage(cmd.spec.org_id, op));
        });
      }
      const sent = await Promise.allSettled([
        this.env.COMMAND_QUEUE.send(cmd),
        this.env.REGION.get(this.env.REGION.idFromName(cmd.region_id)).enqueue(cmd),
      ]);
      const failures = sent.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      for (const f of failures) log('warn', 'command path failed', { command_id: cmd.command_id, error: String(f.reason) });
      // One path is enough: the queue retries into the RegionDO, and the RegionDO dedupes by command_id.
      if (failures.length === sent.length) throw new Error(`command ${cmd.command_id} could not be sent on any path`);
      await this.publish(published);
    });
  }

  /** A region's observation of this cluster. Reports from any other region than the cluster's are dropped. */
  report(regionId: string, status: AgentStatus): Promise<void> {
    const report = statusSchema.parse(status);
    return this.serialized(async () => {
      const published: Published[] = [];
      await this.withCatalog((db) =>
        db.transaction(async (tx) => {
          const [cluster] = await tx.select().from(clusters).where(eq(clusters.id, report.cluster_id)).for('update');
          if (!cluster || cluster.regionId !== regionId) {
            log('warn', 'report for a cluster of another region dropped', { cluster_id: report.cluster_id, region_id: regionId });
            return;
          }
          if (cluster.deletedAt) return;
          const [op] = await tx
            .select()
            .from(operations)
            .where(and(eq(operations.clusterId, cluster.id), inArray(operations.status, ['pending', 'running'])))
            .limit(1);
          const outcome = applyReport(
            {
              status: cluster.status as ClusterStatus,
              generation: cluster.generation,
              observedGeneration: cluster.observedGeneration,
              desiredState: cluster.desiredState as DesiredState,
              operation: op ? { id: op.id, generation: op.generation } : null,
            },
            report,
          );
          const now = new Date();
          if (outcome.cluster) {
            const next = outcome.cluster;
            const [updated] = await tx
              .update(clusters)
              .set({
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
              })
              .where(eq(clusters.id, cluster.id))
              .returning();
            published.push({
              channels: [`cluster:${cluster.id}`, `org:${cluster.orgId}`],
              message: { type: 'cluster.status', cluster: serializeCluster(updated!) },
            });
            if (next.status !== cluster.status) {
              const event = await this.insertEvent(tx, cluster, 'status', `Status changed from ${cluster.status} to ${next.status}`);
              published.push(this.eventMessage(cluster.orgId, event));
            }
          }
          if (op && outcome.operation && (outcome.operation.status !== op.status || outcome.operation.error !== op.error)) {
            const terminal = outcome.operation.status !== 'running';
            const [updatedOp] = await tx
              .update(operations)
              .set({ status: outcome.operation.status, error: outcome.operation.error, updatedAt: now, ...(terminal ? { finishedAt: now } : {}) })
              .where(eq(operations.id, op.id))
              .returning();
            published.push(this.operationMessage(cluster.orgId, updatedOp!));
          }
        }),
      );
      await this.publish(published);
    });
  }

  recordEvent(regionId: string, event: AgentEvent): Promise<void> {
    const parsed = eventSchema.parse(event);
    return this.serialized(async () => {
      const published: Published[] = [];
      await this.withCatalog(async (db) => {
        const [cluster] = await db.select().from(clusters).where(eq(clusters.id, parsed.cluster_id));
        if (!cluster || cluster.regionId !== regionId) {
          log('warn', 'event for a cluster of another region dropped', { cluster_id: parsed.cluster_id, region_id: regionId });
          return;
        }
        const row = await this.insertEvent(db, cluster, parsed.event_type, parsed.message);
        published.push(this.eventMessage(cluster.orgId, row));
      });
      await this.publish(published);
    });
  }

  /** The command of this operation could not be delivered (the commands queue's dead letters). */
  failOperation(operationId: string, error: string): Promise<void> {
    return this.serialized(async () => {
      const published: Published[] = [];
      await this.withCatalog(async (db) => {
        const now = new Date();
        const [op] = await db
          .update(operations)
          .set({ status: 'failed', error, updatedAt: now, finishedAt: now })
          .where(and(eq(operations.id, operationId), inArray(operations.status, ['pending', 'running'])))
          .returning();
        if (!op) return;
        const [cluster] = await db
          .update(clusters)
          .set({ status: 'failed', health: 'unknown', statusMessage: error, updatedAt: now })
          .where(eq(clusters.id, op.clusterId))
          .returning();
        published.push(this.operationMessage(op.orgId, op));
        if (cluster) {
          published.push({ channels: [`cluster:${cluster.id}`, `org:${cluster.orgId}`], message: { type: 'cluster.status', cluster: serializeCluster(cluster) } });
          published.push(this.eventMessage(cluster.orgId, await this.insertEvent(db, cluster, 'operation_failed', error)));
        }
      });
      await this.publish(published);
    });
  }

  private async insertEvent(db: Queryable, cluster: { id: string; orgId: string }, type: string, message: string) {
    const [row] = await db.insert(clusterEvents).values({ id: newId('ev'), orgId: cluster.orgId, clusterId: cluster.id, type, message }).returning();
    return row!;
  }

  private operationMessage(orgId: string, op: typeof operations.$inferSelect): Published {
    return { channels: [`cluster:${op.clusterId}`, `org:${orgId}`], message: { type: 'operation.updated', operation: serializeOperation(op) } };
  }

  private eventMessage(orgId: string, event: typeof clusterEvents.$inferSelect): Published {
    return { channels: [`cluster:${event.clusterId}`, `org:${orgId}`], message: { type: 'cluster.event', event: serializeEvent(event) } };
  }

  private async withCatalog<T>(work: (db: Database) => Promise<T>): Promise<T> {
    const database = openDatabase(parseSettings(this.env));
    try {
      return await work(database.db());
    } finally {
      await database.close();
    }
  }

  /** Live updates are best effort: the catalog already holds the truth, and clients can re-read it. */
  private async publish(items: Published[]): Promise<void> {
    for (const item of items) {
      const orgId = item.channels.find((ch) => ch.startsWith('org:'))!.slice(4);
      const hub = this.env.REALTIME.get(this.env.REALTIME.idFromName(orgId));
      for (const channel of item.channels) {
        try {
          await hub.publish(channel, item.message);
        } catch (error) {
          log('warn', 'realtime publish failed', { channel, error: String(error) });
        }
      }
    }
  }
}
