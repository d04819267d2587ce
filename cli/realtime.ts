// A realtime subscription for --wait and `logs --follow`: the API's WebSocket (Node's own), authenticated with
// the session's access token or the API key in the first message, subscribed to the channels given. When the socket
// cannot be opened (or refuses the channels), callers fall back to polling.
import type { ServerMessage } from '../protocol/realtime.ts';
import type { Context } from './command.ts';

const OPEN_TIMEOUT_MS = 5_000;

export interface Subscription {
  close(): void;
  /** Resolves when the socket closes, for whatever reason. */
  closed: Promise<void>;
}

/** An API key names no organization of its own here: the org of the cluster a channel follows. */
async function clusterOrg(ctx: Context, channels: string[]): Promise<string | null> {
  const clusterId = channels.map((channel) => /^(?:cluster|metrics|logs):(.+)$/.exec(channel)?.[1]).find((id) => id !== undefined);
  if (!clusterId) return null;
  const res = await ctx.api.v1.clusters[':id'].$get({ param: { id: clusterId } });
  return res.ok ? (await res.json()).cluster.org_id : null;
}

export async function subscribe(ctx: Context, channels: string[], onMessage: (message: ServerMessage) => void): Promise<Subscription | null> {
  const credentials = await ctx.session.current();
  const orgId = ctx.org ?? (credentials.kind === 'session' ? credentials.org_id : await clusterOrg(ctx, channels));
  if (!orgId) return null;
  // A session's access token or the API key: both go in the `auth` message, since Node's WebSocket sets no headers.
  const token = await ctx.session.token();
  const url = new URL('/v1/realtime', ctx.apiUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('org_id', orgId);

  const socket = new WebSocket(url.href);
  let settle: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => (settle = resolve));
  const timer = setTimeout(() => settle(false), OPEN_TIMEOUT_MS);
  const closed = new Promise<void>((resolve) => socket.addEventListener('close', () => (settle(false), resolve())));
  socket.addEventListener('error', () => settle(false));
  socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'auth', token })));
  socket.addEventListener('message', (event) => {
    let message: ServerMessage;
    try {
      message = JSON.parse(String(event.data)) as ServerMessage;
    } catch {
      return;
    }
    if (message.type === 'ready') socket.send(JSON.stringify({ type: 'subscribe', channels }));
    else if (message.type === 'subscribed') settle(true);
    else if (message.type === 'error') settle(false);
    onMessage(message);
  });
  const ok = await ready;
  clearTimeout(timer);
  if (!ok) {
    socket.close();
    return null;
  }
  return { close: () => socket.close(), closed };
}
