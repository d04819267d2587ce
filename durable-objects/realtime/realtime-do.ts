// One RealtimeDO per organization: the dashboard's and the CLI's WebSockets of that org and their channel
// subscriptions, fed by the org's ClusterDOs through publish(). Sockets are accepted through the hibernation
// API, so an org whose clients are idle costs nothing; everything a socket needs after waking lives in its
// attachment, read into memory once per socket after each wake (durable-objects/sockets.ts). The protocol is
// protocol/realtime.ts.
//
// A cluster's `metrics:` and `logs:` channels cost something at the source (publishing every sample, the agent
// following the log), so the cluster's ClusterDO is told when such a channel gets its first subscriber here and when
// its last one leaves, however it leaves (unsubscribe, close, error, membership or session ended).
import { DurableObject } from 'cloudflare:workers';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { apiKeys, clusters, memberships } from '../../drizzle/schema.ts';
import { parseSettings } from '../../core/settings.ts';
import type { ObjectBindings } from '../bindings.ts';
import { openDatabase } from '../../core/db.ts';
import { log } from '../../core/logger.ts';
import { can } from '../../core/identity/rbac.ts';
import { checkApiKey, keyPermissions, keyStatus, looksLikeApiKey } from '../../core/identity/api-keys.ts';
import { REALTIME_KEY_HEADER, REALTIME_ORG_HEADER, REALTIME_SESSION_HEADER, REALTIME_USER_HEADER } from './stub.ts';
import { isSessionRevoked } from '../../core/identity/session-revocations.ts';
import { verifyAccessToken } from '../../core/identity/tokens.ts';
import type { Role } from '../../protocol/enums.ts';
import {
  CLOSE_CODES,
  PING_FRAME,
  PONG_FRAME,
  REALTIME_LIMITS,
  clientMessageSchema,
  publishChannelsSchema,
  realtimeEventSchema,
  type RealtimeErrorCode,
  type RealtimeEvent,
  type ServerMessage,
} from '../../protocol/realtime.ts';
import { isWebSocketUpgrade } from '../../core/websocket.ts';
import { clusterObject } from '../cluster/stub.ts';
import { SocketAttachments, closeQuietly, isOpen, openSockets, sendFrame } from '../sockets.ts';

/** Channels that name a cluster: the cluster must be in the socket's org, not deleted. */
const CLUSTER_CHANNEL_KINDS = new Set(['cluster', 'metrics', 'logs']);
/** Channels whose ClusterDO is told when they are watched. */
const WATCHED_KINDS = new Set(['metrics', 'logs']);

function splitChannel(channel: string): { kind: string; id: string } {
  const separator = channel.indexOf(':');
  return { kind: channel.slice(0, separator), id: channel.slice(separator + 1) };
}

/** Fixed when the socket is accepted. */
interface ConnectionInfo {
  id: string;
  opened_at: number;
}

/** What the protocol changes over the socket's life. */
interface Session {
  /** null until the socket authenticates. */
  user_id: string | null;
  /** The session of the credentials it authenticated with; its revocation closes the socket. */
  session_id: string | null;
  /**
   * Set when it authenticated with an API key (its id; `user_id` is then the key's creator): every subscribe checks
   * the key is still active and within its grant (permissions, project). Absent in attachments written before keys.
   */
  key_id?: string | null;
  org_id: string;
  subscriptions: string[];
}

/** Kept in two parts, as partyserver does, so protocol code rewriting the session never touches the connection's. */
interface Attachment {
  connection: ConnectionInfo;
  session: Session;
}

function send(ws: WebSocket, message: ServerMessage): void {
  sendFrame(ws, JSON.stringify(message));
}

/** The client message an error answers, echoed so the client can tell which one failed; never its token. */
function echo(request: unknown): unknown {
  if (request === null || typeof request !== 'object' || Array.isArray(request) || !('token' in request)) return request;
  const { token: _token, ...rest } = request as Record<string, unknown>;
  return rest;
}

function sendError(ws: WebSocket, code: RealtimeErrorCode, message: string, request: unknown, channels?: string[]): void {
  send(ws, { type: 'error', code, message, request: echo(request), ...(channels ? { channels } : {}) });
}

type Authorization = { kind: 'not_member' } | { kind: 'session_ended' } | { kind: 'checked'; refused: string[]; reason: string };

export class RealtimeDO extends DurableObject<ObjectBindings> {
  /** The tail of each socket's message chain: one socket's messages are handled in the order it sent them. */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Every socket's identity and subscriptions, read once per socket per instance instead of on every publish. */
  readonly #attachments = new SocketAttachments<Attachment>();
  /** The tail of each watched channel's calls to its ClusterDO, so a quick subscribe and unsubscribe arrive in order. */
  readonly #watchCalls = new Map<string, Promise<void>>();

  constructor(ctx: DurableObjectState, env: ObjectBindings) {
    super(ctx, env);
    // Keep-alive pings are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** A client's upgrade, forwarded by GET /v1/realtime once the Worker has checked whatever credentials came with it. */
  override async fetch(request: Request): Promise<Response> {
    const orgId = request.headers.get(REALTIME_ORG_HEADER);
    if (!isWebSocketUpgrade(request.headers) || !orgId) {
      return new Response('Expected a WebSocket upgrade forwarded by GET /v1/realtime', { status: 400 });
    }
    const userId = request.headers.get(REALTIME_USER_HEADER);
    const sessionId = request.headers.get(REALTIME_SESSION_HEADER);
    const keyId = request.headers.get(REALTIME_KEY_HEADER);
    const { 0: client, 1: server } = new WebSocketPair();
    const connection: ConnectionInfo = { id: crypto.randomUUID(), opened_at: Date.now() };
    this.ctx.acceptWebSocket(server, [connection.id]);
    this.#attachments.write(server, { connection, session: { user_id: userId, session_id: sessionId, key_id: keyId, org_id: orgId, subscriptions: [] } });
    if (userId) {
      send(server, { type: 'ready', connection_id: connection.id, user_id: userId, org_id: orgId });
    } else {
      const deadline = connection.opened_at + REALTIME_LIMITS.authTimeoutMs;
      const scheduled = await this.ctx.storage.getAlarm();
      if (scheduled === null || scheduled > deadline) await this.ctx.storage.setAlarm(deadline);
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Sends the event to every open authenticated socket subscribed to any of the channels: one frame per channel
   * the socket follows, each naming its channel, serialised once per channel for all recipients. Returns how many
   * frames went out. An event of an unknown type or with a payload that does not match its type throws here, at
   * the publisher, instead of reaching clients as a frame they cannot read.
   */
  publish(channels: string[], event: RealtimeEvent): number {
    return this.publishMany(channels, [event]);
  }

  /** publish() for several events, in order: a batch of log lines is one call. */
  publishMany(channels: string[], events: RealtimeEvent[]): number {
    const targets = [...new Set(publishChannelsSchema.parse(channels))];
    // All checked before any is sent: a bad event fails the batch rather than half of it.
    const parsed = events.map((event) => realtimeEventSchema.parse(event));
    const recipients = openSockets(this.ctx)
      .map((ws) => ({ ws, session: this.#attachment(ws).session }))
      .filter(({ session }) => session.user_id !== null);
    let sent = 0;
    for (const channel of targets) {
      const listening = recipients.filter(({ session }) => session.subscriptions.includes(channel));
      if (listening.length === 0) continue;
      for (const event of parsed) {
        // The channel goes last, so nothing in the payload can name another one.
        const frame = JSON.stringify({ ...event, channel });
        for (const { ws } of listening) if (sendFrame(ws, frame)) sent += 1;
      }
    }
    return sent;
  }

  /** Closes every socket of a user who has left the organization (or been removed), and returns how many. */
  dropUser(userId: string): number {
    return this.#drop((session) => session.user_id === userId, CLOSE_CODES.membershipEnded, 'membership ended');
  }

  /** Closes every socket opened with one of these (revoked) sessions, and returns how many. */
  dropSessions(sessionIds: string[]): number {
    const ended = new Set(sessionIds);
    return this.#drop((session) => session.session_id !== null && ended.has(session.session_id), CLOSE_CODES.sessionEnded, 'session ended');
  }

  #drop(matches: (session: Session) => boolean, code: number, reason: string): number {
    let dropped = 0;
    for (const ws of openSockets(this.ctx)) {
      const { session } = this.#attachment(ws);
      if (!matches(session)) continue;
      closeQuietly(ws, code, reason);
      this.#left(ws, session.subscriptions);
      dropped += 1;
    }
    return dropped;
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const { id } = this.#attachment(ws).connection;
    // Each message waits for the one before it from the same socket: a subscribe still checking the catalog
    // must not be overtaken by the unsubscribe sent after it.
    const previous = this.#inFlight.get(id) ?? Promise.resolve();
    // A failed message must not stop the ones after it.
    const current = previous.catch(() => undefined).then(() => this.#handle(ws, data));
    this.#inFlight.set(id, current);
    try {
      await current;
    } finally {
      if (this.#inFlight.get(id) === current) this.#inFlight.delete(id);
    }
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.#inFlight.delete(this.#attachment(ws).connection.id);
    this.#left(ws, this.#attachment(ws).session.subscriptions);
    // Complete the closing handshake; 1005 and 1006 are reserved and may not be sent back.
    closeQuietly(ws, code === 1005 || code === 1006 ? 1000 : code, 'closed');
  }

  override webSocketError(ws: WebSocket): void {
    this.#inFlight.delete(this.#attachment(ws).connection.id);
    closeQuietly(ws, 1011, 'error');
    this.#left(ws, this.#attachment(ws).session.subscriptions);
  }

  /** Closes sockets that did not authenticate in time, and wakes again for the next one due. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    let next: number | null = null;
    for (const ws of openSockets(this.ctx)) {
      const { connection, session } = this.#attachment(ws);
      if (session.user_id !== null) continue;
      const deadline = connection.opened_at + REALTIME_LIMITS.authTimeoutMs;
      if (deadline <= now) this.#authTimedOut(ws);
      else next = next === null ? deadline : Math.min(next, deadline);
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** Every socket of this object is given its attachment when it is accepted. */
  #attachment(ws: WebSocket): Attachment {
    return this.#attachments.read(ws)!;
  }

  #writeSession(ws: WebSocket, session: Session): void {
    this.#attachments.write(ws, { connection: this.#attachment(ws).connection, session });
  }

  async #handle(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (!isOpen(ws)) return;
    const { connection, session } = this.#attachment(ws);
    if (session.user_id === null && Date.now() >= connection.opened_at + REALTIME_LIMITS.authTimeoutMs) {
      // The alarm has not run yet; the deadline holds all the same.
      this.#authTimedOut(ws);
      return;
    }
    if (typeof data !== 'string') return sendError(ws, 'bad_request', 'Messages are JSON text frames', null);
    const limit = REALTIME_LIMITS.messageBytes;
    // Counting characters first spares encoding a huge frame just to refuse it.
    if (data.length > limit || new TextEncoder().encode(data).byteLength > limit) {
      return sendError(ws, 'message_too_large', `Messages are limited to ${limit} bytes`, null);
    }
    let request: unknown;
    try {
      request = JSON.parse(data);
    } catch {
      return sendError(ws, 'bad_request', 'Messages must be JSON', null);
    }
    const parsed = clientMessageSchema.safeParse(request);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return sendError(ws, 'bad_request', `Not a valid message: ${where}${issue?.message ?? 'invalid'}`, request);
    }
    const message = parsed.data;
    try {
      if (message.type === 'ping') return send(ws, { type: 'pong' });
      if (session.user_id === null) {
        if (message.type === 'auth') return await this.#authenticate(ws, request, message.token);
        return sendError(ws, 'unauthorized', 'Send {"type":"auth","token":...} first', request);
      }
      switch (message.type) {
        case 'auth':
          return sendError(ws, 'bad_request', 'This socket is already authenticated', request);
        case 'subscribe':
          return await this.#subscribe(ws, request, message.channels);
        case 'unsubscribe':
          return this.#unsubscribe(ws, message.channels);
      }
    } catch (error) {
      log('error', 'realtime message failed', {
        connection_id: connection.id,
        type: message.type,
        error: error instanceof Error ? error.message : String(error),
      });
      sendError(ws, 'internal_error', 'Something went wrong on our side; try again', request);
    }
  }

  #authTimedOut(ws: WebSocket): void {
    sendError(ws, 'unauthorized', `No valid auth message within ${REALTIME_LIMITS.authTimeoutMs / 1000} s`, null);
    closeQuietly(ws, CLOSE_CODES.unauthenticated, 'authentication timed out');
  }

  async #authenticate(ws: WebSocket, request: unknown, token: string): Promise<void> {
    if (looksLikeApiKey(token)) return this.#authenticateKey(ws, request, token);
    const { connection, session } = this.#attachment(ws);
    const claims = await verifyAccessToken(parseSettings(this.env).JWT_PRIVATE_KEY, token);
    if (!claims) {
      sendError(ws, 'unauthorized', 'The access token is invalid or expired', request);
      return closeQuietly(ws, CLOSE_CODES.unauthenticated, 'invalid token');
    }
    const { role, revoked } = await this.#checkCaller(session.org_id, claims.userId, claims.sessionId);
    if (revoked) {
      sendError(ws, 'unauthorized', 'The session has ended; sign in again', request);
      return closeQuietly(ws, CLOSE_CODES.sessionEnded, 'session ended');
    }
    if (!role) {
      // The same answer as GET /v1/organizations/{id} gives a non-member: the org's existence does not leak.
      sendError(ws, 'not_found', 'Organization not found', request);
      return closeQuietly(ws, CLOSE_CODES.unauthenticated, 'not a member');
    }
    // The deadline may have closed the socket while the catalog answered.
    if (!isOpen(ws)) return;
    this.#writeSession(ws, { ...session, user_id: claims.userId, session_id: claims.sessionId });
    send(ws, { type: 'ready', connection_id: connection.id, user_id: claims.userId, org_id: session.org_id });
  }

  /** An API key in the `auth` message (a client that cannot set headers, like Node's WebSocket): as its creator, within its grant. */
  async #authenticateKey(ws: WebSocket, request: unknown, secret: string): Promise<void> {
    const { connection, session } = this.#attachment(ws);
    const database = openDatabase(parseSettings(this.env));
    let check: Awaited<ReturnType<typeof checkApiKey>>;
    try {
      check = await checkApiKey(database.query(), secret);
    } finally {
      await database.close();
    }
    // Another org's key is refused like a non-member: the org's existence does not leak.
    if ('refused' in check || check.key.orgId !== session.org_id) {
      sendError(ws, 'unauthorized', 'refused' in check ? check.refused : 'The API key is not valid for this organization', request);
      return closeQuietly(ws, CLOSE_CODES.unauthenticated, 'invalid key');
    }
    const key = check.key;
    const { role } = await this.#checkCaller(session.org_id, key.createdBy, null);
    if (!role) {
      sendError(ws, 'unauthorized', "The API key's creator is no longer a member of this organization", request);
      return closeQuietly(ws, CLOSE_CODES.unauthenticated, 'not a member');
    }
    if (!isOpen(ws)) return;
    this.#writeSession(ws, { ...session, user_id: key.createdBy, session_id: key.id, key_id: key.id });
    send(ws, { type: 'ready', connection_id: connection.id, user_id: key.createdBy, org_id: session.org_id });
  }

  async #subscribe(ws: WebSocket, request: unknown, channels: string[]): Promise<void> {
    const { session } = this.#attachment(ws);
    const wanted = [...new Set(channels)];
    const merged = [...new Set([...session.subscriptions, ...wanted])];
    if (merged.length > REALTIME_LIMITS.channelsPerSocket) {
      return sendError(
        ws,
        'too_many_channels',
        `A socket may subscribe to at most ${REALTIME_LIMITS.channelsPerSocket} channels; it has ${session.subscriptions.length}`,
        request,
      );
    }
    // Asked on every subscribe, not once per socket: roles change and clusters are deleted while sockets stay open.
    const verdict = await this.#authorize(session.org_id, session.user_id!, session.session_id, wanted, session.key_id ?? null);
    if (verdict.kind === 'session_ended') {
      sendError(ws, 'unauthorized', session.key_id ? 'The API key has been revoked or has expired' : 'The session has ended; sign in again', request);
      closeQuietly(ws, CLOSE_CODES.sessionEnded, 'session ended');
      return this.#left(ws, session.subscriptions);
    }
    if (verdict.kind === 'not_member') {
      sendError(ws, 'not_found', 'You are no longer a member of this organization', request);
      closeQuietly(ws, CLOSE_CODES.membershipEnded, 'membership ended');
      return this.#left(ws, session.subscriptions);
    }
    if (verdict.refused.length > 0) {
      const message = `Subscription refused (${verdict.reason}): ${verdict.refused.join(', ')}`;
      return sendError(ws, 'forbidden', message, request, verdict.refused);
    }
    // `session` is still current: this socket's messages run one at a time, and dropUser closes a socket
    // rather than editing it, which this catches.
    if (!isOpen(ws)) return;
    const added = wanted.filter((c) => !session.subscriptions.includes(c));
    const first = added.filter((c) => WATCHED_KINDS.has(splitChannel(c).kind) && this.#listeners(c, ws) === 0);
    this.#writeSession(ws, { ...session, subscriptions: merged });
    send(ws, { type: 'subscribed', channels: wanted });
    for (const channel of first) this.#tellWatched(channel, true);
  }

  #unsubscribe(ws: WebSocket, channels: string[]): void {
    const { session } = this.#attachment(ws);
    const dropping = new Set(channels);
    this.#writeSession(ws, { ...session, subscriptions: session.subscriptions.filter((c) => !dropping.has(c)) });
    send(ws, { type: 'unsubscribed', channels: [...dropping] });
    this.#left(ws, session.subscriptions.filter((c) => dropping.has(c)));
  }

  /** How many open authenticated sockets other than `except` subscribe to the channel. */
  #listeners(channel: string, except: WebSocket): number {
    let count = 0;
    for (const ws of openSockets(this.ctx)) {
      if (ws === except) continue;
      const { session } = this.#attachment(ws);
      if (session.user_id !== null && session.subscriptions.includes(channel)) count += 1;
    }
    return count;
  }

  /** The socket no longer follows these channels: a watched one nobody else follows is unwatched. */
  #left(ws: WebSocket, channels: string[]): void {
    for (const channel of channels) {
      if (WATCHED_KINDS.has(splitChannel(channel).kind) && this.#listeners(channel, ws) === 0) this.#tellWatched(channel, false);
    }
  }

  /** Tells the channel's ClusterDO, in the order decided here, without holding up the socket's next message. */
  #tellWatched(channel: string, on: boolean): void {
    const { kind, id } = splitChannel(channel);
    const previous = this.#watchCalls.get(channel) ?? Promise.resolve();
    const call = previous.then(async () => {
      try {
        await clusterObject(this.env, id).watch(kind as 'metrics' | 'logs', on, id);
      } catch (error) {
        log('warn', 'cluster watch call failed', { channel, on, error: String(error) });
      }
    });
    this.#watchCalls.set(channel, call);
    this.ctx.waitUntil(
      call.finally(() => {
        if (this.#watchCalls.get(channel) === call) this.#watchCalls.delete(channel);
      }),
    );
  }

  /**
   * Which of the channels the user may not read. `org:{id}` carries the statuses of every cluster in the org,
   * so it needs clusters:read like a cluster channel does; billing has neither.
   */
  async #authorize(orgId: string, userId: string, sessionId: string | null, channels: string[], keyId: string | null): Promise<Authorization> {
    const clusterIds: string[] = [];
    const refused: string[] = [];
    for (const channel of channels) {
      const { kind, id } = splitChannel(channel);
      if (CLUSTER_CHANNEL_KINDS.has(kind)) clusterIds.push(id);
      else if (id !== orgId) refused.push(channel);
    }
    const database = openDatabase(parseSettings(this.env));
    try {
      const db = database.query();
      const [[member], found, revoked, [key]] = await Promise.all([
        db
          .select({ role: memberships.role })
          .from(memberships)
          .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
          .limit(1),
        clusterIds.length === 0
          ? Promise.resolve([])
          : db
              .select({ id: clusters.id, projectId: clusters.projectId })
              .from(clusters)
              .where(and(eq(clusters.orgId, orgId), inArray(clusters.id, [...new Set(clusterIds)]), isNull(clusters.deletedAt))),
        sessionId === null || keyId !== null ? Promise.resolve(false) : isSessionRevoked(db, sessionId),
        keyId === null ? Promise.resolve([]) : db.select().from(apiKeys).where(eq(apiKeys.id, keyId)).limit(1),
      ]);
      if (revoked) return { kind: 'session_ended' };
      if (keyId !== null && (!key || key.orgId !== orgId || keyStatus(key) !== 'active')) return { kind: 'session_ended' };
      if (!member) return { kind: 'not_member' };
      if (!can(member.role, 'clusters:read')) {
        return { kind: 'checked', refused: channels, reason: `your role (${member.role}) may not read clusters` };
      }
      if (key && !keyPermissions(key).has('clusters:read')) {
        return { kind: 'checked', refused: channels, reason: 'the API key may not read clusters' };
      }
      // A project key sees its project's clusters only, and not the org's channel, which carries every cluster's status.
      if (key?.projectId) {
        const outside = channels.filter((channel) => {
          const { kind, id } = splitChannel(channel);
          return !CLUSTER_CHANNEL_KINDS.has(kind) || found.find((row) => row.id === id)?.projectId !== key.projectId;
        });
        if (outside.length > 0) return { kind: 'checked', refused: outside, reason: "outside the API key's project" };
      }
      // Another org's cluster and one that does not exist are refused alike, so ids of other orgs do not leak.
      const visible = new Set(found.map((row) => row.id));
      for (const channel of channels) {
        const { kind, id } = splitChannel(channel);
        if (CLUSTER_CHANNEL_KINDS.has(kind) && !visible.has(id)) refused.push(channel);
      }
      return { kind: 'checked', refused, reason: 'not a channel of this organization you can read' };
    } finally {
      await database.close();
    }
  }

  async #checkCaller(orgId: string, userId: string, sessionId: string | null): Promise<{ role: Role | null; revoked: boolean }> {
    const database = openDatabase(parseSettings(this.env));
    try {
      const db = database.query();
      const [[member], revoked] = await Promise.all([
        db
          .select({ role: memberships.role })
          .from(memberships)
          .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
          .limit(1),
        sessionId === null ? Promise.resolve(false) : isSessionRevoked(db, sessionId),
      ]);
      return { role: member?.role ?? null, revoked };
    } finally {
      await database.close();
    }
  }
}
