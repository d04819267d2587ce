// RegionDO: one per region. It holds the region agent's WebSocket (hibernation API, so an idle region costs
// nothing), the command outbox in SQLite, the heartbeat that marks the region online or offline, and the
// resync that brings a reconnecting agent up to every cluster's desired generation.
//
// Delivery is at-least-once: a command leaves the outbox only when the agent acks it, and the whole outbox is
// re-sent whenever the agent says hello. Commands are deduplicated by command_id (outbox plus a day of acked
// ids), and a newer generation of a cluster supersedes older ones still waiting.
//
// Everything that must survive hibernation lives in SQLite or in the socket's attachment, never in fields.
import { DurableObject } from 'cloudflare:workers';
import { and, eq, inArray, isNotNull, isNull, lt, ne, or } from 'drizzle-orm';
import { clusters, operations, regions } from '../../drizzle/schema.ts';
import { agentMessageSchema, commandSchema, type AgentEvent, type AgentStatus, type Command, type ControlMessage, type Hello } from '../../protocol/agent.ts';
import { type ClusterAction } from '../../protocol/enums.ts';
import { parseSettings } from '../../core/settings.ts';
import type { ObjectBindings } from '../bindings.ts';
import { REGION_ID_HEADER } from './stub.ts';
import { buildCommand, type ClusterRow } from '../../core/clusters/commands.ts';
import { openDatabase, type Queryable } from '../../core/db.ts';
import { errorBody, type ErrorCode } from '../../core/errors.ts';
import { ID_PATTERN } from '../../core/ids.ts';
import { log } from '../../core/logger.ts';
import { operationMessage, publish, statusMessage } from '../cluster/messages.ts';
import type { ClusterDO } from '../cluster/cluster-do.ts';
import { isWebSocketUpgrade } from '../../core/websocket.ts';

const AGENT_TAG = 'agent';
export const HEARTBEAT_INTERVAL_MS = 15_000;
/** An agent silent this long (it answers every ping) is gone, whatever its TCP connection claims. */
export const AGENT_SILENCE_LIMIT_MS = 45_000;
/** Catalog writes of last_seen_at are spaced out: every message would otherwise be a Postgres write. */
export const LAST_SEEN_WRITE_INTERVAL_MS = 30_000;
const ACKED_RETENTION_MS = 24 * 60 * 60 * 1000;
const MAX_COMMAND_ID_LENGTH = 128;

export const CLOSE_REPLACED = 4000;
export const CLOSE_REVOKED = 4001;
export const CLOSE_SILENT = 4002;
export const CLOSE_RESYNC_FAILED = 4003;

/** Kept on the socket itself, so it survives hibernation along with the connection. */
interface AgentAttachment {
  regionId: string;
  connectedAt: number;
  lastHeardAt: number;
  lastSeenWrittenAt: number;
  /** Commands go only to an agent that has said hello; hello replays the outbox anyway. */
  hello: boolean;
}

/** What enqueue tells the dispatcher: whether an agent is there to take the command now. */
export interface DispatchReceipt {
  /** Why the command waits (no agent connected), for the operation's status_message; null when it went out. */
  waiting: string | null;
}

export function waitingForAgent(offlineSince: string | null): string {
  return offlineSince
    ? `Waiting for the region's agent, offline since ${offlineSince}`
    : "Waiting for the region's agent, which has not connected yet";
}

export interface RegionInfo {
  connected: boolean;
  outbox: number;
  last_seen_at: string | null;
}

function attachmentOf(ws: WebSocket): AgentAttachment | null {
  return (ws.deserializeAttachment() as AgentAttachment | null) ?? null;
}

function isOpen(ws: WebSocket): boolean {
  return ws.readyState === WebSocket.OPEN;
}

function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed or closing: nothing left to do.
  }
}

function refuse(status: number, code: ErrorCode, message: string, requestId: string): Response {
  return Response.json(errorBody(code, message, requestId), { status });
}

function resyncAction(desiredState: ClusterRow['desiredState'], agentHasIt: boolean): ClusterAction {
  if (desiredState === 'deleted') return 'delete';
  if (desiredState === 'sleeping') return 'sleep';
  return agentHasIt ? 'update' : 'create';
}

export class RegionDO extends DurableObject<ObjectBindings> {
  constructor(ctx: DurableObjectState, env: ObjectBindings) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        command_id TEXT NOT NULL UNIQUE,
        cluster_id TEXT NOT NULL,
        generation INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS outbox_cluster_idx ON outbox (cluster_id, generation);
      CREATE TABLE IF NOT EXISTS acked (
        command_id TEXT PRIMARY KEY,
        cluster_id TEXT,
        generation INTEGER,
        acked_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS acked_at_idx ON acked (acked_at);
      CREATE INDEX IF NOT EXISTS acked_cluster_idx ON acked (cluster_id, generation);
    `);
  }

  // ---- RPC ----

  /** The agent's WebSocket upgrade, forwarded by GET /v1/agent/connect once it has checked the credential. */
  override async fetch(request: Request): Promise<Response> {
    const requestId = request.headers.get('x-request-id') ?? 'unknown';
    if (!isWebSocketUpgrade(request.headers)) {
      return refuse(426, 'upgrade_required', 'This endpoint only accepts a WebSocket upgrade', requestId);
    }
    const regionId = request.headers.get(REGION_ID_HEADER);
    if (!regionId || !this.isOwnRegion(regionId)) {
      return refuse(400, 'bad_request', 'This connection is not for this region', requestId);
    }
    if (this.isRevoked()) return refuse(401, 'unauthorized', 'The region has been deleted', requestId);
    this.setMeta('region_id', regionId);

    // One agent per region: the newest connection wins, so a restarted agent never waits for its old socket.
    for (const old of this.ctx.getWebSockets(AGENT_TAG)) closeQuietly(old, CLOSE_REPLACED, 'replaced');

    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [AGENT_TAG]);
    const now = Date.now();
    const attachment: AgentAttachment = { regionId, connectedAt: now, lastHeardAt: now, lastSeenWrittenAt: 0, hello: false };
    server.serializeAttachment(attachment);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + HEARTBEAT_INTERVAL_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Stores the command until the agent acks it and sends it now if the agent is connected. Idempotent. */
  async enqueue(command: Command): Promise<DispatchReceipt> {
    const parsed = commandSchema.safeParse(command);
    if (!parsed.success) throw new Error(`invalid command: ${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')}`);
    const cmd = parsed.data;
    if (!this.isOwnRegion(cmd.region_id)) throw new Error(`command ${cmd.command_id} is for region ${cmd.region_id}, not this one`);
    if (this.isRevoked()) {
      log('warn', 'command for a deleted region dropped', { command_id: cmd.command_id, region_id: cmd.region_id });
      return { waiting: 'The region has been deleted' };
    }
    this.setMeta('region_id', cmd.region_id);
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    sql.exec('DELETE FROM acked WHERE acked_at < ?', now - ACKED_RETENTION_MS);

    const known = sql
      .exec('SELECT 1 FROM outbox WHERE command_id = ? UNION ALL SELECT 1 FROM acked WHERE command_id = ?', cmd.command_id, cmd.command_id)
      .toArray();
    if (known.length > 0) return this.receipt();
    // Arriving after a newer generation of the same cluster (queue and RPC paths race): already superseded.
    const newer = sql
      .exec(
        `SELECT 1 FROM outbox WHERE cluster_id = ? AND generation > ?
         UNION ALL SELECT 1 FROM acked WHERE cluster_id = ? AND generation > ? LIMIT 1`,
        cmd.cluster_id,
        cmd.generation,
        cmd.cluster_id,
        cmd.generation,
      )
      .toArray();
    if (newer.length > 0) return this.receipt();

    sql.exec('DELETE FROM outbox WHERE cluster_id = ? AND generation < ?', cmd.cluster_id, cmd.generation);
    sql.exec(
      'INSERT INTO outbox (command_id, cluster_id, generation, body) VALUES (?, ?, ?, ?)',
      cmd.command_id,
      cmd.cluster_id,
      cmd.generation,
      JSON.stringify(cmd),
    );
    for (const ws of this.greetedAgents()) this.send(ws, cmd);
    return this.receipt();
  }

  private receipt(): DispatchReceipt {
    return { waiting: this.greetedAgents().length > 0 ? null : waitingForAgent(this.getMeta('last_seen_at')) };
  }

  /** The region was deleted: cut the agent off, drop what it was owed, and refuse it from now on. */
  async revoke(): Promise<void> {
    this.setMeta('revoked', '1');
    this.ctx.storage.sql.exec('DELETE FROM outbox');
    for (const ws of this.ctx.getWebSockets(AGENT_TAG)) closeQuietly(ws, CLOSE_REVOKED, 'revoked');
    await this.ctx.storage.deleteAlarm();
  }

  /**
   * Drops this instance as a crash or a deploy would (storage is kept, sockets are cut); reached only through the
   * local stack's POST /v1/dev/restart-objects, for the chaos run.
   */
  restart(): void {
    this.ctx.abort('restarted on request');
  }

  async info(): Promise<RegionInfo> {
    const open = this.ctx.getWebSockets(AGENT_TAG).filter(isOpen);
    const outbox = this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n;
    const heard = open.map(attachmentOf).reduce((latest, a) => Math.max(latest, a?.lastHeardAt ?? 0), 0);
    return {
      connected: open.length > 0,
      outbox,
      last_seen_at: heard > 0 ? new Date(heard).toISOString() : this.getMeta('last_seen_at'),
    };
  }

  // ---- WebSocket events ----

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (this.isRevoked()) {
      closeQuietly(ws, CLOSE_REVOKED, 'revoked');
      return;
    }
    const attachment = attachmentOf(ws);
    if (!attachment) {
      closeQuietly(ws, 1011, 'unknown connection');
      return;
    }
    attachment.lastHeardAt = Date.now();
    ws.serializeAttachment(attachment);
    const regionId = attachment.regionId;

    if (typeof message !== 'string') {
      log('warn', 'agent message dropped: binary frame', { region_id: regionId });
      return;
    }
    let data: unknown;
    try {
      data = JSON.parse(message);
    } catch {
      log('warn', 'agent message dropped: not JSON', { region_id: regionId });
      return;
    }
    const parsed = agentMessageSchema.safeParse(data);
    if (!parsed.success) {
      // Paths only: values could hold anything the agent sent.
      const type = (data as { type?: unknown } | null)?.type;
      log('warn', 'agent message dropped: invalid', {
        region_id: regionId,
        type: typeof type === 'string' ? type.slice(0, 32) : null,
        issues: parsed.error.issues.slice(0, 5).map((i) => i.path.join('.')),
      });
      return;
    }
    const msg = parsed.data;
    try {
      switch (msg.type) {
        case 'hello':
          await this.onHello(ws, attachment, msg);
          break;
        case 'ack':
          this.onAck(msg.command_id);
          break;
        case 'status':
          await this.toCluster(regionId, msg.cluster_id, (cluster) => cluster.report(regionId, msg as AgentStatus));
          break;
        case 'event':
          await this.toCluster(regionId, msg.cluster_id, (cluster) => cluster.recordEvent(regionId, msg as AgentEvent));
          break;
        case 'pong':
          // Hearing it is the point; lastHeardAt is already updated.
          break;
        case 'metrics':
        case 'response':
          // Answers to requests and metrics streams have no consumer in the control plane yet; hearing them
          // still counts as the agent being alive.
          break;
      }
    } catch (error) {
      log('error', 'agent message failed', { region_id: regionId, type: msg.type, error: String(error) });
    }
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    closeQuietly(ws, 1000, 'closed');
    await this.markOfflineIfLast(ws);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    log('warn', 'agent socket error', { region_id: attachmentOf(ws)?.regionId ?? null, error: String(error) });
    closeQuietly(ws, 1011, 'error');
    await this.markOfflineIfLast(ws);
  }

  /** The heartbeat: ping the agent, drop it when silent, and keep last_seen_at in the catalog fresh. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    let live = 0;
    for (const ws of this.ctx.getWebSockets(AGENT_TAG).filter(isOpen)) {
      const attachment = attachmentOf(ws);
      if (!attachment || now - attachment.lastHeardAt > AGENT_SILENCE_LIMIT_MS) {
        log('warn', 'agent silent; disconnecting', { region_id: attachment?.regionId ?? null });
        closeQuietly(ws, CLOSE_SILENT, 'no heartbeat');
        continue;
      }
      live += 1;
      this.send(ws, { type: 'ping', id: crypto.randomUUID(), at: new Date(now).toISOString() });
      if (attachment.hello && now - attachment.lastSeenWrittenAt >= LAST_SEEN_WRITE_INTERVAL_MS) {
        attachment.lastSeenWrittenAt = now;
        ws.serializeAttachment(attachment);
        await this.markSeen(attachment);
      }
    }
    if (live > 0) {
      await this.ctx.storage.setAlarm(now + HEARTBEAT_INTERVAL_MS);
    } else if (this.getMeta('online') === '1') {
      // Sockets can vanish without a close event (the object restarted); the catalog must still learn of it.
      await this.markOffline(null);
    }
  }

  // ---- agent messages ----

  private async onHello(ws: WebSocket, attachment: AgentAttachment, hello: Hello): Promise<void> {
    const now = Date.now();
    attachment.hello = true;
    attachment.lastSeenWrittenAt = now;
    ws.serializeAttachment(attachment);
    this.setMeta('online', '1');
    this.setMeta('last_seen_at', new Date(now).toISOString());
    // The outbox first: commands already waiting should not wait on the catalog as well.
    for (const cmd of this.outbox()) this.send(ws, cmd);

    const settings = parseSettings(this.env);
    const database = openDatabase(settings);
    try {
      const catalog = database.query();
      await catalog
        .update(regions)
        .set({ status: 'online', agentVersion: hello.agent_version.slice(0, 64), lastSeenAt: new Date(now) })
        .where(and(eq(regions.id, attachment.regionId), isNull(regions.revokedAt)));
      await this.agentBack(catalog, attachment.regionId, now);
      const rows = await catalog
        .select()
        .from(clusters)
        .where(
          and(
            eq(clusters.regionId, attachment.regionId),
            // deleted_at is set once a deletion is confirmed; until then a deleting cluster is still owed its delete.
            or(isNull(clusters.deletedAt), and(eq(clusters.desiredState, 'deleted'), lt(clusters.observedGeneration, clusters.generation))),
          ),
        );
      const applied = new Map(hello.clusters.map((c) => [c.cluster_id, c.generation]));
      const queued = this.queuedGenerations();
      const commands: Command[] = [];
      for (const row of rows) {
        if (row.generation <= (applied.get(row.id) ?? 0)) continue;
        // The outbox, just replayed, already carries this generation or a newer one.
        if ((queued.get(row.id) ?? 0) >= row.generation) continue;
        try {
          commands.push(await buildCommand(settings.ENCRYPTION_KEY, row, resyncAction(row.desiredState, applied.has(row.id)), null));
        } catch (error) {
          log('error', 'resync command could not be built', { region_id: attachment.regionId, cluster_id: row.id, error: String(error) });
        }
      }
      this.send(ws, { type: 'resync', commands, known_cluster_ids: rows.map((r) => r.id) });
    } catch (error) {
      // Without its resync the agent could stay behind; closing makes it reconnect and say hello again.
      log('error', 'resync failed; closing the agent socket so it retries', { region_id: attachment.regionId, error: String(error) });
      closeQuietly(ws, CLOSE_RESYNC_FAILED, 'resync failed');
    } finally {
      await database.close();
    }
  }

  private onAck(commandId: string): void {
    if (commandId.length === 0 || commandId.length > MAX_COMMAND_ID_LENGTH) return;
    const sql = this.ctx.storage.sql;
    const [queued] = sql
      .exec<{ cluster_id: string; generation: number }>('SELECT cluster_id, generation FROM outbox WHERE command_id = ?', commandId)
      .toArray();
    sql.exec('DELETE FROM outbox WHERE command_id = ?', commandId);
    sql.exec(
      'INSERT OR IGNORE INTO acked (command_id, cluster_id, generation, acked_at) VALUES (?, ?, ?, ?)',
      commandId,
      queued?.cluster_id ?? null,
      queued?.generation ?? null,
      Date.now(),
    );
  }

  /** Reports go to the cluster's own ClusterDO, which drops them unless the cluster is in this region. */
  private async toCluster(
    regionId: string,
    clusterId: string,
    deliver: (cluster: DurableObjectStub<ClusterDO>) => Promise<void>,
  ): Promise<void> {
    // Only ids the control plane could have issued, so an agent cannot spin up objects for arbitrary names.
    if (!ID_PATTERN.test(clusterId) || !clusterId.startsWith('cl_')) {
      log('warn', 'agent report for an unknown cluster id dropped', { region_id: regionId });
      return;
    }
    await deliver(this.env.CLUSTER.get(this.env.CLUSTER.idFromName(clusterId)));
  }

  // ---- helpers ----

  private isOwnRegion(regionId: string): boolean {
    return this.env.REGION.idFromName(regionId).equals(this.ctx.id);
  }

  private isRevoked(): boolean {
    return this.getMeta('revoked') === '1';
  }

  private getMeta(key: string): string | null {
    const [row] = this.ctx.storage.sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray();
    return row?.value ?? null;
  }

  private setMeta(key: string, value: string): void {
    this.ctx.storage.sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }

  private outbox(): Command[] {
    return this.ctx.storage.sql
      .exec<{ body: string }>('SELECT body FROM outbox ORDER BY seq')
      .toArray()
      .map((row) => JSON.parse(row.body) as Command);
  }

  private queuedGenerations(): Map<string, number> {
    const rows = this.ctx.storage.sql
      .exec<{ cluster_id: string; generation: number }>('SELECT cluster_id, MAX(generation) AS generation FROM outbox GROUP BY cluster_id')
      .toArray();
    return new Map(rows.map((r) => [r.cluster_id, r.generation]));
  }

  private greetedAgents(): WebSocket[] {
    return this.ctx.getWebSockets(AGENT_TAG).filter((ws) => isOpen(ws) && attachmentOf(ws)?.hello === true);
  }

  private send(ws: WebSocket, message: ControlMessage): void {
    try {
      ws.send(JSON.stringify(message));
    } catch (error) {
      // The socket went away mid-send; whatever was owed stays in the outbox for the next connection.
      log('warn', 'send to agent failed', { type: message.type, error: String(error) });
    }
  }

  private async markOfflineIfLast(ws: WebSocket): Promise<void> {
    const others = this.ctx.getWebSockets(AGENT_TAG).filter((s) => s !== ws && isOpen(s));
    if (others.length > 0) return;
    await this.markOffline(attachmentOf(ws)?.lastHeardAt ?? null);
  }

  private async markSeen(attachment: AgentAttachment): Promise<void> {
    const seen = new Date(attachment.lastHeardAt);
    this.setMeta('last_seen_at', seen.toISOString());
    // 'online' again too: it heals a racing offline write from an older socket's close.
    await this.updateCatalogRegion(attachment.regionId, { status: 'online', lastSeenAt: seen });
  }

  private async markOffline(lastHeardAt: number | null): Promise<void> {
    this.setMeta('online', '0');
    if (lastHeardAt) this.setMeta('last_seen_at', new Date(lastHeardAt).toISOString());
    const regionId = this.getMeta('region_id');
    if (!regionId || this.isRevoked()) return;
    await this.updateCatalogRegion(regionId, { status: 'offline', ...(lastHeardAt ? { lastSeenAt: new Date(lastHeardAt) } : {}) });
    await this.agentGone(regionId, this.getMeta('last_seen_at'));
  }

  /**
   * Nobody now watches the region's clusters: their health is unknown until the agent reports again, and the
   * operations in flight say what they wait for. Reports newer than this moment (an agent already back) are
   * left alone.
   */
  private async agentGone(regionId: string, lastSeenAt: string | null): Promise<void> {
    const goneAt = new Date();
    const database = openDatabase(parseSettings(this.env));
    try {
      const db = database.http();
      const inRegion = db.select({ id: clusters.id }).from(clusters).where(eq(clusters.regionId, regionId));
      const [unknown, waiting] = await db.batch([
        db
          .update(clusters)
          .set({ health: 'unknown', updatedAt: goneAt })
          .where(
            and(
              eq(clusters.regionId, regionId),
              isNull(clusters.deletedAt),
              ne(clusters.health, 'unknown'),
              or(isNull(clusters.lastReportAt), lt(clusters.lastReportAt, goneAt)),
            ),
          )
          .returning(),
        db
          .update(operations)
          .set({ statusMessage: waitingForAgent(lastSeenAt), updatedAt: goneAt })
          .where(and(inArray(operations.status, ['pending', 'running']), inArray(operations.clusterId, inRegion)))
          .returning(),
      ] as const);
      await publish(this.env, [...unknown.map(statusMessage), ...waiting.map(operationMessage)]);
    } catch (error) {
      log('error', "the region's clusters could not be marked unwatched", { region_id: regionId, error: String(error) });
    } finally {
      await database.close();
    }
  }

  /** The agent said hello: operations waiting for it are on their way again. */
  private async agentBack(db: Queryable, regionId: string, at: number): Promise<void> {
    const inRegion = db.select({ id: clusters.id }).from(clusters).where(eq(clusters.regionId, regionId));
    const resumed = await db
      .update(operations)
      .set({ statusMessage: null, updatedAt: new Date(at) })
      .where(and(inArray(operations.status, ['pending', 'running']), isNotNull(operations.statusMessage), inArray(operations.clusterId, inRegion)))
      .returning();
    await publish(this.env, resumed.map(operationMessage));
  }

  private async updateCatalogRegion(regionId: string, values: Partial<typeof regions.$inferInsert>): Promise<void> {
    const database = openDatabase(parseSettings(this.env));
    try {
      await database
        .query()
        .update(regions)
        .set(values)
        .where(and(eq(regions.id, regionId), isNull(regions.revokedAt)));
    } catch (error) {
      log('error', 'region status could not be written to the catalog', { region_id: regionId, error: String(error) });
    } finally {
      await database.close();
    }
  }
}
