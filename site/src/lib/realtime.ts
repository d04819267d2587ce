// Live updates for the dashboard: one WebSocket per organization to /v1/realtime (the session cookie authenticates
// it), re-opened with jittered backoff when it drops, re-subscribing what the page follows. While it is not open,
// subscribers' `poll` functions run every few seconds instead, so a page stays current without the socket.
import { useEffect, useRef, useState } from 'react';
import type { PublishedMessage } from '../../../protocol/realtime.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'polling';
export type RealtimeMessage = PublishedMessage & Record<string, unknown>;

interface Subscription {
  channels: string[];
  onMessage: (message: RealtimeMessage) => void;
  poll?: () => void | Promise<void>;
}

const POLL_MS = 5000;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30_000;
/** After this many failed opens in a row the page says it is polling (it still tries the socket). */
const FAILURES_BEFORE_POLLING = 2;

class RealtimeConnection {
  private socket: WebSocket | null = null;
  private readonly subscriptions = new Set<Subscription>();
  private readonly listeners = new Set<(state: ConnectionState | null) => void>();
  private failures = 0;
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
      const channels = [...new Set([...this.subscriptions].flatMap((s) => s.channels))];
      if (channels.length > 0) this.send({ type: 'subscribe', channels });
      this.setState('live');
    });
    socket.addEventListener('message', (event) => {
      let message: RealtimeMessage;
      try {
        message = JSON.parse(String(event.data)) as RealtimeMessage;
      } catch {
        return;
      }
      if ((message.type as string) === 'subscribed') {
        // From here on every change reaches us live; one read now catches up on whatever happened before (while
        // the socket was down, or between the page's first read and this subscription).
        const channels = new Set((message as unknown as { channels: string[] }).channels);
        for (const s of this.subscriptions) if (s.channels.some((c) => channels.has(c))) void s.poll?.();
        return;
      }
      if (typeof message.channel !== 'string') return;
      for (const s of this.subscriptions) if (s.channels.includes(message.channel)) s.onMessage(message);
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!opened) this.failures++;
      this.setState(this.failures >= FAILURES_BEFORE_POLLING ? 'polling' : 'reconnecting');
      const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(this.failures, 5));
      this.retryTimer = setTimeout(() => this.open(), delay / 2 + Math.random() * (delay / 2));
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
 * Follows `channels` of the organization while the component is mounted: `onMessage` for each live message,
 * `poll` while the socket is down (and once after it comes back).
 */
export function useRealtime(orgId: string | null, channels: string[], onMessage: (m: RealtimeMessage) => void, poll?: () => void | Promise<void>): void {
  // The latest render's handlers, read at call time: re-subscribing on every render would churn the socket.
  const handlers = useRef({ onMessage, poll });
  handlers.current = { onMessage, poll };
  const key = channels.join(',');
  useEffect(() => {
    if (!orgId || key === '') return;
    return connection(orgId).subscribe({
      channels: key.split(','),
      onMessage: (m) => handlers.current.onMessage(m),
      poll: () => handlers.current.poll?.(),
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
