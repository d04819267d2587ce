// The agent's one connection to the control plane: an outbound WebSocket to /v1/agent/connect (the agent
// never listens), opened with the region credential and re-opened forever with jittered exponential backoff.
// Every incoming message is validated against the protocol and handled in arrival order; anything invalid is
// dropped and logged. A connection that stays silent past the idle timeout is presumed dead (the control plane
// pings), so a half-open TCP connection cannot strand the agent.
import WebSocket from 'ws';
import {
  agentMessageSchema,
  controlMessageSchema,
  type AgentMessage,
  type ControlMessage,
  type Hello,
  AGENT_CLOSE_CODES,
} from '../protocol/agent.ts';
import { Backoff, sleep, type BackoffOptions } from '../protocol/backoff.ts';
import type { AgentCredentials } from './credentials.ts';
import { errorMessage, type Logger } from './log.ts';
import { MessageQueue } from './message-queue.ts';

export interface ConnectionOptions {
  url: string;
  credentials: AgentCredentials;
  log: Logger;
  backoff: BackoffOptions;
  /** No message for this long means the connection is dead. */
  idleTimeoutMs: number;
  /** A connection open this long counts as healthy: the next reconnect starts from the smallest delay. */
  healthyAfterMs: number;
  /** Messages kept while disconnected. */
  maxQueued: number;
  hello(): Hello;
  /** Sent after `hello` and the queued messages on every new connection: the latest status of each cluster. */
  resend(): AgentMessage[];
  onMessage(message: ControlMessage): Promise<void>;
}

interface ConnectionEnd {
  opened: boolean;
  /** The HTTP status when the upgrade was refused. */
  status: number | null;
  code: number;
  reason: string;
}

export function connectUrl(base: string): string {
  const url = new URL('/v1/agent/connect', base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  return url.toString();
}

export class AgentConnection {
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
  private readonly queue: MessageQueue;
  private socket: WebSocket | null = null;
  private loopDone: Promise<void> | null = null;
  private openWaiters: Array<() => void> = [];

  constructor(private readonly options: ConnectionOptions) {
    this.backoff = new Backoff(options.backoff);
    this.queue = new MessageQueue(options.maxQueued);
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  /** Resolves once a connection is open (at once if one is). */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.openWaiters.push(resolve));
  }

  /** Sends now if connected, else keeps the message for the next connection. */
  send(message: AgentMessage): void {
    const checked = agentMessageSchema.safeParse(message);
    if (!checked.success) {
      // A message the control plane would reject is a bug here; sending it would only move the error there.
      this.options.log.error('dropping an invalid outgoing message', { type: message.type, issue: checked.error.issues[0]?.message });
      return;
    }
    const socket = this.socket;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    else this.queue.push(message);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    const socket = this.socket;
    if (socket) {
      socket.close(1000, 'agent stopping');
      // A peer that does not answer the close handshake must not hold up shutdown.
      const forced = setTimeout(() => socket.terminate(), 2000);
      await this.loopDone;
      clearTimeout(forced);
    } else {
      await this.loopDone;
    }
  }

  private async loop(): Promise<void> {
    const { credentials, log } = this.options;
    while (!this.abort.signal.aborted) {
      let credential: string;
      try {
        credential = await credentials.current();
      } catch (error) {
        if (this.abort.signal.aborted) break;
        log.error('cannot obtain an agent credential', { error: errorMessage(error) });
        await sleep(this.backoff.next(), this.abort.signal);
        continue;
      }
      if (this.abort.signal.aborted) break;
      const end = await this.connectOnce(credential);
      if (this.abort.signal.aborted) break;
      if (end.status === 401) await credentials.rejected();
      const delay = this.backoff.next();
      const fields = { code: end.code, reason: end.reason, status: end.status, retry_in_ms: delay };
      if (end.code === AGENT_CLOSE_CODES.replaced) log.warn('replaced by a newer connection of this region (is a second agent running with this credential?)', fields);
      else if (end.code === AGENT_CLOSE_CODES.revoked) log.error('the region was deleted; the control plane closed the connection', fields);
      else if (end.opened) log.warn('disconnected from the control plane; reconnecting', fields);
      else log.warn('could not connect to the control plane; retrying', fields);
      await sleep(delay, this.abort.signal);
    }
  }

  private connectOnce(credential: string): Promise<ConnectionEnd> {
    const { log } = this.options;
    return new Promise((resolve) => {
      const socket = new WebSocket(connectUrl(this.options.url), {
        headers: { authorization: `Bearer ${credential}` },
        handshakeTimeout: 10_000,
        maxPayload: 16 * 1024 * 1024,
      });
      this.socket = socket;
      let opened = false;
      let status: number | null = null;
      let lastError = '';
      let idleTimer: NodeJS.Timeout | undefined;
      let healthyTimer: NodeJS.Timeout | undefined;
      // Messages are handled one after another, so a command is recorded and acked before the next is read.
      let handling: Promise<void> = Promise.resolve();

      const touch = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => {
          log.warn('no message from the control plane within the idle timeout; dropping the connection', {
            idle_timeout_ms: this.options.idleTimeoutMs,
          });
          socket.terminate();
        }, this.options.idleTimeoutMs);
      };

      socket.on('unexpected-response', (_request, response) => {
        status = response.statusCode ?? 0;
        response.resume();
        socket.terminate();
      });

      socket.on('open', () => {
        opened = true;
        log.info('connected to the control plane', { url: connectUrl(this.options.url) });
        socket.send(JSON.stringify(this.options.hello()));
        const { messages, dropped } = this.queue.drain();
        if (dropped > 0) log.warn('messages produced while disconnected were dropped for room', { dropped });
        for (const message of messages) socket.send(JSON.stringify(message));
        for (const message of this.options.resend()) this.send(message);
        touch();
        healthyTimer = setTimeout(() => this.backoff.reset(), this.options.healthyAfterMs);
        for (const resolveWaiter of this.openWaiters.splice(0)) resolveWaiter();
      });

      socket.on('ping', touch);

      socket.on('message', (data, isBinary) => {
        touch();
        const message = this.parse(data, isBinary);
        if (!message) return;
        handling = handling
          .then(() => this.options.onMessage(message))
          .catch((error: unknown) => log.error('handling a control message failed', { type: message.type, error: errorMessage(error) }));
      });

      socket.on('error', (error) => {
        lastError = error.message;
      });

      socket.on('close', (code, reason) => {
        clearTimeout(idleTimer);
        clearTimeout(healthyTimer);
        if (this.socket === socket) this.socket = null;
        void handling.then(() =>
          resolve({ opened, status, code, reason: reason.toString('utf8') || (status ? `HTTP ${status}` : lastError) }),
        );
      });
    });
  }

  private parse(data: WebSocket.RawData, isBinary: boolean): ControlMessage | null {
    const { log } = this.options;
    if (isBinary) {
      log.warn('dropped a binary message from the control plane');
      return null;
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    } catch {
      log.warn('dropped a control message that is not JSON');
      return null;
    }
    const parsed = controlMessageSchema.safeParse(json);
    if (!parsed.success) {
      const type = typeof json === 'object' && json !== null && 'type' in json ? String((json as { type: unknown }).type) : null;
      const issue = parsed.error.issues[0];
      log.warn('dropped an invalid control message', { type, path: issue?.path.join('.') ?? '', issue: issue?.message ?? '' });
      return null;
    }
    return parsed.data;
  }
}
