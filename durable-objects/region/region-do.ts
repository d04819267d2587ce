// RegionDO: one per region, the transport between the control plane and the region's agent. It holds the agent's
// WebSocket (hibernation API, so an idle region costs nothing) and wires its pieces: the command outbox
// (outbox.ts, at-least-once delivery), the heartbeat (heartbeat.ts, online/offline), the resync that brings a
// reconnecting agent up to every cluster's desired generation (resync.ts), and what the agent's presence does to the
// catalog and to subscribers (presence.ts). Reports and events go on to each cluster's ClusterDO.
//
// Requests on a user's behalf (SQL, schema, logs ...) go to the agent as `request` and wait in memory for its
// `response` (pending-requests.ts); the clusters whose log is followed are remembered (log-follows.ts) and asked for
// again after every hello. Metrics, health probes and log lines go on to each cluster's ClusterDO.
//
// Everything that must survive hibernation lives in SQLite (outbox, region state, log follows) or in the socket's
// attachment.
import { DurableObject } from 'cloudflare:workers';
import { AGENT_CLOSE_CODES, agentMessageSchema, commandSchema, type AgentResponse, type Command, type ControlMessage, type Hello } from '../../protocol/agent.ts';
import { OBSERVABILITY_LIMITS, requestKinds, type RequestKind } from '../../protocol/observability.ts';
import { openDatabase } from '../../core/db.ts';
import { errorBody, type ErrorCode } from '../../core/errors.ts';
import { ID_PATTERN } from '../../protocol/ids.ts';
import { log } from '../../core/logger.ts';
import { parseSettings } from '../../core/settings.ts';
import { isWebSocketUpgrade } from '../../core/websocket.ts';
import type { ObjectBindings } from '../bindings.ts';
import { clusterObject } from '../cluster/stub.ts';
import { closeQuietly, isOpen, openSockets, SocketAttachments } from '../sockets.ts';
import { AGENT_TAG, HEARTBEAT_INTERVAL_MS, heartbeatStep, type AgentAttachment } from './heartbeat.ts';
import { LogFollows } from './log-follows.ts';
import { CommandOutbox } from './outbox.ts';
import { failure, MAX_PENDING_REQUESTS, PendingRequests } from './pending-requests.ts';
import { agentBack, agentGone, waitingForAgent, writeRegion, type DispatchReceipt } from './presence.ts';
import { RegionState } from './region-state.ts';
import { regionClusters, resyncCommands } from './resync.ts';
import { REGION_ID_HEADER } from './stub.ts';

export interface RegionInfo {
  connected: boolean;
  outbox: number;
  last_seen_at: string | null;
}

/** The longest a request may wait: the longest statement timeout, plus the agent's time to answer. */
const REQUEST_TIMEOUT_MAX_MS = OBSERVABILITY_LIMITS.statementTimeoutMaxMs + 30_000;
/** How long a log follow waits for the agent's acknowledgement before giving up on it (it is re-sent on reconnect). */
const FOLLOW_ANSWER_MS = 3_000;

function refuse(status: number, code: ErrorCode, message: string, requestId: string): Response {
  return Response.json(errorBody(code, message, requestId), { status });
}

export class RegionDO extends DurableObject<ObjectBindings> {
  private readonly outbox: CommandOutbox;
  private readonly state: RegionState;
  private readonly agents = new SocketAttachments<AgentAttachment>();
  private readonly follows: LogFollows;
  private readonly pending = new PendingRequests();

  constructor(ctx: DurableObjectState, env: ObjectBindings) {
    super(ctx, env);
    this.outbox = new CommandOutbox(ctx.storage.sql);
    this.state = new RegionState(ctx.storage.sql);
    this.follows = new LogFollows(ctx.storage.sql);
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
    if (this.state.revoked) return refuse(401, 'unauthorized', 'The region has been deleted', requestId);
    this.state.regionId = regionId;

    // One agent per region: the newest connection wins, so a restarted agent never waits for its old socket.
    for (const old of this.ctx.getWebSockets(AGENT_TAG)) closeQuietly(old, AGENT_CLOSE_CODES.replaced, 'replaced');

    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [AGENT_TAG]);
    const now = Date.now();
    this.agents.write(server, { regionId, connectedAt: now, lastHeardAt: now, lastSeenWrittenAt: 0, hello: false });
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + HEARTBEAT_INTERVAL_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Stores the command until the agent acks it and sends it now if the agent is connected. Idempotent. */
  async enqueue(command: Command): Promise<DispatchReceipt> {
    const parsed = commandSchema.safeParse(command);
    if (!parsed.success) throw new Error(`invalid command: ${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')}`);
    const cmd = parsed.data;
    if (!this.isOwnRegion(cmd.region_id)) throw new Error(`command ${cmd.command_id} is for region ${cmd.region_id}, not this one`);
    if (this.state.revoked) {
      log('warn', 'command for a deleted region dropped', { command_id: cmd.command_id, region_id: cmd.region_id });
      return { waiting: 'The region has been deleted' };
    }
    this.state.regionId = cmd.region_id;
    if (this.outbox.add(cmd) === 'stored') for (const ws of this.greetedAgents()) this.send(ws, cmd);
    return { waiting: this.greetedAgents().length > 0 ? null : waitingForAgent(this.state.lastSeenAt) };
  }

  /** The region was deleted: cut the agent off, drop what it was owed, and refuse it from now on. */
  async revoke(): Promise<void> {
    this.state.markRevoked();
    this.outbox.clear();
    for (const ws of this.ctx.getWebSockets(AGENT_TAG)) closeQuietly(ws, AGENT_CLOSE_CODES.revoked, 'revoked');
    await this.ctx.storage.deleteAlarm();
  }

  /**
   * Drops this instance as a crash or a deploy would (storage is kept, sockets are cut); reached only through the
   * local stack's POST /v1/dev/restart-objects, for the chaos run.
   */
  restart(): void {
    this.ctx.abort('restarted on request');
  }

  /**
   * Asks the region's agent something about one cluster and waits for its answer: `region_offline` at once without a
   * greeted agent (or when it disconnects before answering), `no_answer` after `timeoutMs` or when too many requests
   * already wait. The payload is the kind's (protocol/observability.ts requestContracts), checked by the agent.
   */
  async request(clusterId: string, kind: RequestKind, payload: Record<string, unknown>, timeoutMs: number): Promise<AgentResponse> {
    const id = crypto.randomUUID();
    if (!requestKinds.includes(kind)) return failure(id, 'bad_request', `Unknown request kind ${String(kind).slice(0, 32)}`);
    if (!ID_PATTERN.test(clusterId) || !clusterId.startsWith('cl_')) return failure(id, 'bad_request', 'Not a cluster id');
    const [agent] = this.greetedAgents().slice(-1);
    if (!agent || this.state.revoked) return failure(id, 'region_offline', "The cluster's region has no agent connected");
    if (this.pending.size >= MAX_PENDING_REQUESTS) {
      return failure(id, 'no_answer', `The region's agent already has ${MAX_PENDING_REQUESTS} requests waiting; try again shortly`);
    }
    const wait = Math.min(Math.max(1, Math.trunc(timeoutMs)), REQUEST_TIMEOUT_MAX_MS);
    const answer = this.pending.wait(id, agent, wait);
    if (!this.send(agent, { type: 'request', id, cluster_id: clusterId, kind, payload })) {
      this.pending.socketGone(agent);
    }
    return answer;
  }

  /**
   * Starts (or stops) streaming a cluster's server log: remembered, so the agent is asked again after each hello, and
   * asked now when it is connected. Its answer is awaited briefly; a silent agent still gets the request on reconnect.
   */
  async followLogs(clusterId: string, on: boolean): Promise<AgentResponse> {
    if (!ID_PATTERN.test(clusterId) || !clusterId.startsWith('cl_')) return failure(clusterId, 'bad_request', 'Not a cluster id');
    this.follows.set(clusterId, on);
    return this.request(clusterId, 'logs_follow', { follow: on }, FOLLOW_ANSWER_MS);
  }

  async info(): Promise<RegionInfo> {
    const open = openSockets(this.ctx, AGENT_TAG);
    const heard = open.reduce((latest, ws) => Math.max(latest, this.agents.read(ws)?.lastHeardAt ?? 0), 0);
    return {
      connected: open.length > 0,
      outbox: this.outbox.size(),
      last_seen_at: heard > 0 ? new Date(heard).toISOString() : this.state.lastSeenAt,
    };
  }

  // ---- WebSocket events ----

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (this.state.revoked) {
      closeQuietly(ws, AGENT_CLOSE_CODES.revoked, 'revoked');
      return;
    }
    const attachment = this.agents.read(ws);
    if (!attachment) {
      closeQuietly(ws, 1011, 'unknown connection');
      return;
    }
    this.agents.write(ws, { ...attachment, lastHeardAt: Date.now() });
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
          await this.onHello(ws, msg);
          break;
        case 'ack':
          this.outbox.ack(msg.command_id);
          break;
        case 'status':
          if (this.isClusterId(regionId, msg.cluster_id)) await clusterObject(this.env, msg.cluster_id).report(regionId, msg);
          break;
        case 'event':
          if (this.isClusterId(regionId, msg.cluster_id)) await clusterObject(this.env, msg.cluster_id).recordEvent(regionId, msg);
          break;
        case 'backup':
          if (this.isClusterId(regionId, msg.cluster_id)) await clusterObject(this.env, msg.cluster_id).recordBackup(regionId, msg);
          break;
        case 'restore_window':
          if (this.isClusterId(regionId, msg.cluster_id)) await clusterObject(this.env, msg.cluster_id).recordRestoreWindow(regionId, msg);
          break;
        case 'pong':
          // Hearing it is the point; lastHeardAt is already updated.
          break;
        case 'metrics':
          if (this.isClusterId(regionId, msg.cluster_id)) await clusterObject(this.env, msg.cluster_id).recordMetrics(regionId, msg);
          break;
        case 'health':
          if (this.isClusterId(regionId, msg.cluster_id)) await clusterObject(this.env, msg.cluster_id).recordHealth(regionId, msg);
          break;
        case 'logs':
          if (this.isClusterId(regionId, msg.cluster_id)) await clusterObject(this.env, msg.cluster_id).recordLogs(regionId, msg);
          break;
        case 'response':
          // A late answer (its caller gave up) has no one to go to.
          if (!this.pending.answer(msg)) log('info', 'agent response without a waiting request', { region_id: regionId });
          break;
      }
    } catch (error) {
      log('error', 'agent message failed', { region_id: regionId, type: msg.type, error: String(error) });
    }
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    this.pending.socketGone(ws);
    closeQuietly(ws, 1000, 'closed');
    await this.markOfflineIfLast(ws);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    log('warn', 'agent socket error', { region_id: this.agents.read(ws)?.regionId ?? null, error: String(error) });
    this.pending.socketGone(ws);
    closeQuietly(ws, 1011, 'error');
    await this.markOfflineIfLast(ws);
  }

  /** The heartbeat: ping the agent, drop it when silent, and keep last_seen_at in the catalog fresh. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    let live = 0;
    for (const ws of openSockets(this.ctx, AGENT_TAG)) {
      const attachment = this.agents.read(ws);
      const step = heartbeatStep(attachment, now);
      if (step === 'drop' || !attachment) {
        log('warn', 'agent silent; disconnecting', { region_id: attachment?.regionId ?? null });
        closeQuietly(ws, AGENT_CLOSE_CODES.silent, 'no heartbeat');
        this.pending.socketGone(ws);
        continue;
      }
      live += 1;
      this.send(ws, { type: 'ping', id: crypto.randomUUID(), at: new Date(now).toISOString() });
      if (step === 'ping_and_record_seen') {
        this.agents.write(ws, { ...attachment, lastSeenWrittenAt: now });
        const seen = new Date(attachment.lastHeardAt);
        this.state.lastSeenAt = seen.toISOString();
        // 'online' again too: it heals a racing offline write from an older socket's close.
        await this.writeCatalogRegion(attachment.regionId, { status: 'online', lastSeenAt: seen });
      }
    }
    if (live > 0) {
      await this.ctx.storage.setAlarm(now + HEARTBEAT_INTERVAL_MS);
    } else if (this.state.online) {
      // Sockets can vanish without a close event (the object restarted); the catalog must still learn of it.
      await this.markOffline(null);
    }
  }

  // ---- the agent's session ----

  private async onHello(ws: WebSocket, hello: Hello): Promise<void> {
    const now = Date.now();
    const attachment = this.agents.read(ws)!;
    this.agents.write(ws, { ...attachment, hello: true, lastSeenWrittenAt: now });
    this.state.online = true;
    this.state.lastSeenAt = new Date(now).toISOString();
    // The outbox first: commands already waiting should not wait on the catalog as well.
    for (const cmd of this.outbox.pending()) this.send(ws, cmd);
    // The agent follows no log after it reconnects until asked; the answers are not waited for.
    for (const clusterId of this.follows.clusterIds()) {
      void this.request(clusterId, 'logs_follow', { follow: true }, FOLLOW_ANSWER_MS).then((answer) => {
        if (!answer.ok) log('warn', 'log follow not resumed', { region_id: attachment.regionId, cluster_id: clusterId, code: answer.code ?? null });
      });
    }

    const settings = parseSettings(this.env);
    const database = openDatabase(settings);
    try {
      const catalog = database.query();
      await writeRegion(catalog, attachment.regionId, { status: 'online', agentVersion: hello.agent_version.slice(0, 64), lastSeenAt: new Date(now) });
      await agentBack(this.env, catalog, attachment.regionId, now);
      const rows = await regionClusters(catalog, attachment.regionId);
      const commands = await resyncCommands(settings.ENCRYPTION_KEY, rows, hello, this.outbox.queuedGenerations());
      this.send(ws, { type: 'resync', commands, known_cluster_ids: rows.map((r) => r.id) });
    } catch (error) {
      // Without its resync the agent could stay behind; closing makes it reconnect and say hello again.
      log('error', 'resync failed; closing the agent socket so it retries', { region_id: attachment.regionId, error: String(error) });
      closeQuietly(ws, AGENT_CLOSE_CODES.resyncFailed, 'resync failed');
    } finally {
      await database.close();
    }
  }

  /** Reports go to the cluster's own ClusterDO, which drops them unless the cluster is in this region. */
  private isClusterId(regionId: string, clusterId: string): boolean {
    // Only ids the control plane could have issued, so an agent cannot spin up objects for arbitrary names.
    if (ID_PATTERN.test(clusterId) && clusterId.startsWith('cl_')) return true;
    log('warn', 'agent report for an unknown cluster id dropped', { region_id: regionId });
    return false;
  }

  private async markOfflineIfLast(ws: WebSocket): Promise<void> {
    const others = this.ctx.getWebSockets(AGENT_TAG).filter((s) => s !== ws && isOpen(s));
    if (others.length > 0) return;
    await this.markOffline(this.agents.read(ws)?.lastHeardAt ?? null);
  }

  private async markOffline(lastHeardAt: number | null): Promise<void> {
    this.state.online = false;
    if (lastHeardAt) this.state.lastSeenAt = new Date(lastHeardAt).toISOString();
    const regionId = this.state.regionId;
    if (!regionId || this.state.revoked) return;
    await this.writeCatalogRegion(regionId, { status: 'offline', ...(lastHeardAt ? { lastSeenAt: new Date(lastHeardAt) } : {}) });
    const database = openDatabase(parseSettings(this.env));
    try {
      await agentGone(this.env, database.http(), regionId, this.state.lastSeenAt);
    } catch (error) {
      log('error', "the region's clusters could not be marked unwatched", { region_id: regionId, error: String(error) });
    } finally {
      await database.close();
    }
  }

  private async writeCatalogRegion(regionId: string, values: Parameters<typeof writeRegion>[2]): Promise<void> {
    const database = openDatabase(parseSettings(this.env));
    try {
      await writeRegion(database.query(), regionId, values);
    } catch (error) {
      log('error', 'region status could not be written to the catalog', { region_id: regionId, error: String(error) });
    } finally {
      await database.close();
    }
  }

  // ---- helpers ----

  private isOwnRegion(regionId: string): boolean {
    return this.env.REGION.idFromName(regionId).equals(this.ctx.id);
  }

  private greetedAgents(): WebSocket[] {
    return openSockets(this.ctx, AGENT_TAG).filter((ws) => this.agents.read(ws)?.hello === true);
  }

  private send(ws: WebSocket, message: ControlMessage): boolean {
    try {
      ws.send(JSON.stringify(message));
      return true;
    } catch (error) {
      // The socket went away mid-send; whatever was owed stays in the outbox for the next connection.
      log('warn', 'send to agent failed', { type: message.type, error: String(error) });
      return false;
    }
  }
}
