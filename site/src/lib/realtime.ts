// Live updates for the dashboard: one WebSocket per organization to /v1/realtime (the session cookie authenticates
// it), re-opened with the project's backoff when it drops, re-subscribing what the page follows. While it is not
// open, subscribers' `poll` functions run every few seconds instead, so a page stays current without the socket.
// Pages take events through useRealtime, one handler per event type, each handed its typed payload: the protocol's
// types only (the RealtimeDO validates every event before it is sent), so no schema library ships to the browser.
import { useEffect, useRef, useState } from 'react';
import { Backoff } from '../../../protocol/backoff.ts';
import type { PublishedMessage, RealtimeEventType, ServerMessage } from '../../../protocol/realtime.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'polling';

/** A published event as a page receives it, by type: `RealtimeMessage<'cluster.status'>` carries `cluster`. */
export type RealtimeMessage<T extends RealtimeEventType = RealtimeEventType> = Extract<PublishedMessage, { type: T }>;

/** What a page does with each type of event it follows; types it has no handler for are ignored. */
export type RealtimeHandlers = { [T in RealtimeEventType]?: (message: RealtimeMessage<T>) => void };

interface Subscription {
  channels: string[];
  handlers: () => RealtimeHandlers;
  poll?: () => void | Promise<void>;
}

/** Hands the message to the handler of its type; generic so that handler and message are checked as a pair. */
function deliver<T extends RealtimeEventType>(handlers: RealtimeHandlers, type: T, message: RealtimeMessage<T>): void {
  handlers[type]?.(message);
}

const POLL_MS = 5000;
const RECONNECT_BACKOFF = { baseMs: 1000, capMs: 30_000 };
/** After this many failed opens in a row the page says it is polling (it still tries the socket). */
const FAILURES_BEFORE_POLLING = 2;

class RealtimeConnection {
  private socket: WebSocket | null = null;
  private readonly subscriptions = new Set<Subscription>();
  private readonly listeners = new Set<(state: ConnectionState | null) => void>();
  private failures = 0;
  private readonly backoff = new Backoff(RECONNECT_BACKOFF);
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  /** Null until some page follows a channel: a page that follows nothing has no live connection to show. */
  state: ConnectionState | null = null;

  constructor(private readonly orgId: string) {}

  subscribe(subscription: Subscription): () => void {
    this.subscriptions.add(subscription);
    if (!this.socket && !this.retryTimer) this.open();
    else this.send({ type: 'subscribe', channels: subscription.channels });
    return () => {
      this.subscriptions.delete(subscription);
      const stillWanted = new Set([...this.subscriptions].flatMap((s) => s.channels));
      const dropped = subscription.channels.filter((c) => !stillWanted.has(c));
      if (dropped.length > 0) this.send({ type: 'unsubscribe', channels: dropped });
    };
  }

  onState(listener: (state: ConnectionState | null) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.listeners) listener(state);
    if (state === 'live') this.stopPolling();
    else if (state === 'polling' || state === 'reconnecting') this.startPolling();
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private open(): void {
    this.retryTimer = null;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    let opened = false;
    const socket = new WebSocket(`${scheme}://${location.host}/v1/realtime?org_id=${encodeURIComponent(this.orgId)}`);
    this.socket = socket;
    if (this.state === null) this.setState('connecting');
    socket.addEventListener('open', () => {
      opened = true;
      this.failures = 0;
      this.backoff.reset();
      const channels = [...new Set([...this.subscriptions].flatMap((s) => s.channels))];
      if (channels.length > 0) this.send({ type: 'subscribe', channels });
      this.setState('live');
    });
    socket.addEventListener('message', (event) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      switch (message.type) {
        case 'subscribed': {
          // From here on every change reaches us live; one read now catches up on whatever happened before (while
          // the socket was down, or between the page's first read and this subscription).
          const channels = new Set(message.channels);
          for (const s of this.subscriptions) if (s.channels.some((c) => channels.has(c))) void s.poll?.();
          return;
        }
        case 'ready':
        case 'unsubscribed':
        case 'pong':
        case 'error':
          return;
        default:
          for (const s of this.subscriptions) if (s.channels.includes(message.channel)) deliver(s.handlers(), message.type, message);
      }
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!opened) this.failures++;
      this.setState(this.failures >= FAILURES_BEFORE_POLLING ? 'polling' : 'reconnecting');
      this.retryTimer = setTimeout(() => this.open(), this.backoff.next());
    });
  }

  private startPolling(): void {
    this.pollTimer ??= setInterval(() => {
      for (const s of this.subscriptions) void s.poll?.();
    }, POLL_MS);
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }
}

const connections = new Map<string, RealtimeConnection>();

function connection(orgId: string): RealtimeConnection {
  let c = connections.get(orgId);
  if (!c) {
    c = new RealtimeConnection(orgId);
    connections.set(orgId, c);
  }
  return c;
}

/**
 * Follows `channels` of the organization while the component is mounted: the handler of each live event's type,
 * `poll` while the socket is down (and once after it comes back).
 */
export function useRealtime(orgId: string | null, channels: string[], handlers: RealtimeHandlers, poll?: () => void | Promise<void>): void {
  // The latest render's handlers, read at call time: re-subscribing on every render would churn the socket.
  const latest = useRef({ handlers, poll });
  latest.current = { handlers, poll };
  const key = channels.join(',');
  useEffect(() => {
    if (!orgId || key === '') return;
    return connection(orgId).subscribe({
      channels: key.split(','),
      handlers: () => latest.current.handlers,
      poll: () => latest.current.poll?.(),
    });
  }, [orgId, key]);
}

/** The state of the organization's live connection, for the indicator every page shows. */
export function useConnectionState(orgId: string | null): ConnectionState | null {
  const [state, setState] = useState<ConnectionState | null>(null);
  useEffect(() => {
    if (!orgId) return;
    return connection(orgId).onState(setState);
  }, [orgId]);
  return state;
}
