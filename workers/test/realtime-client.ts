// A client of GET /v1/realtime for tests: opens a real WebSocket through the whole Worker (SELF.fetch with
// Upgrade: websocket), collects every frame, and waits for the one a test expects with a timeout.
import { SELF, env } from 'cloudflare:test';
import type { Bindings } from '../env.ts';
import { ACCESS_COOKIE } from '../lib/cookies.ts';
import { realtimeFor } from '../../durable-objects/realtime/stub.ts';
import type { RealtimeEvent, RealtimeEventOf } from '../../protocol/realtime.ts';
import { uniqueIp } from './harness.ts';

export type Frame = { type: string; [field: string]: any };
type Predicate = (frame: Frame) => boolean;

export interface Closed {
  code: number;
  reason: string;
}

export class RealtimeClient {
  /** Frames received and not yet taken by `next`, oldest first. */
  readonly unread: Frame[] = [];
  readonly closed: Promise<Closed>;
  #waiters: Array<{ predicate: Predicate; resolve: (frame: Frame) => void }> = [];

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })));
    ws.addEventListener('message', (event) => {
      const frame = JSON.parse(event.data as string) as Frame;
      const waiter = this.#waiters.find((w) => w.predicate(frame));
      if (waiter) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      } else {
        this.unread.push(frame);
      }
    });
    ws.accept();
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first unread frame matching `predicate` (or of that type), waiting up to `timeoutMs` for it. */
  next(match: string | Predicate, timeoutMs = 5_000): Promise<Frame> {
    const predicate: Predicate = typeof match === 'string' ? (frame) => frame.type === match : match;
    const index = this.unread.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.unread.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (frame: Frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no matching frame within ${timeoutMs} ms; unread: ${JSON.stringify(this.unread)}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /**
   * Everything the server sent before this point: a ping's pong comes back on the same ordered stream, so
   * every frame sent before the server saw the ping has arrived once the pong has. Returns those frames.
   */
  async drain(): Promise<Frame[]> {
    this.send({ type: 'ping' });
    await this.next('pong');
    return this.unread.splice(0);
  }

  async subscribe(channels: string[]): Promise<Frame> {
    this.send({ type: 'subscribe', channels });
    return this.next((f) => f.type === 'subscribed' || f.type === 'error');
  }

  close(): void {
    try {
      this.ws.close(1000, 'done');
    } catch {
      // Already closed by the server.
    }
  }
}

export interface ConnectOptions {
  token?: string;
  cookie?: string;
  orgId?: string;
  headers?: Record<string, string>;
  /** Leave out Upgrade: websocket. */
  plain?: boolean;
}

/** The raw upgrade response, for tests about the upgrade itself. */
export function upgrade(options: ConnectOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'cf-connecting-ip': uniqueIp(), ...options.headers };
  if (!options.plain) headers.upgrade = 'websocket';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = `${ACCESS_COOKIE}=${options.cookie}`;
  const query = options.orgId === undefined ? '' : `?org_id=${encodeURIComponent(options.orgId)}`;
  return SELF.fetch(`http://localhost/v1/realtime${query}`, { headers });
}

/** An open socket; throws unless the upgrade succeeded. */
export async function connect(options: ConnectOptions = {}): Promise<RealtimeClient> {
  const res = await upgrade(options);
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
  return new RealtimeClient(res.webSocket);
}

/** An open socket that has had its `ready`. */
export async function connectReady(options: ConnectOptions): Promise<RealtimeClient> {
  const client = await connect(options);
  await client.next('ready');
  return client;
}

/** Publishes straight to the org's RealtimeDO, on one channel or several; resolves to the frames sent. */
export function publish(orgId: string, channels: string | string[], event: RealtimeEvent): Promise<number> {
  return realtimeFor(env as unknown as Bindings, orgId).publish(typeof channels === 'string' ? [channels] : channels, event);
}

const at = '2026-11-21T12:00:00.000Z';

/** A whole `cluster.status` event, as the ClusterDO publishes it; the payload must pass the protocol's schema. */
export function statusEvent(clusterId: string, status: 'provisioning' | 'running' | 'sleeping' = 'running'): RealtimeEventOf<'cluster.status'> {
  return {
    type: 'cluster.status',
    cluster: {
      id: clusterId,
      org_id: 'org_test',
      project_id: 'prj_test',
      name: 'test',
      engine: 'postgres',
      version: '17',
      region_id: 'rg_test',
      tier: 'dedicated',
      size: 'dev',
      instances: 1,
      ready_instances: status === 'running' ? 1 : 0,
      storage_gb: 10,
      status,
      health: status === 'running' ? 'healthy' : 'unknown',
      status_message: null,
      endpoint: null,
      database: 'app',
      username: 'app',
      generation: 1,
      observed_generation: 1,
      settings: {},
      parent_id: null,
      source: null,
      created_at: at,
      updated_at: at,
    },
  };
}

export function operationEvent(clusterId: string, operationId = 'op_1'): RealtimeEventOf<'operation.updated'> {
  return {
    type: 'operation.updated',
    operation: {
      id: operationId,
      cluster_id: clusterId,
      action: 'create',
      status: 'running',
      generation: 1,
      error: null,
      status_message: null,
      created_at: at,
      updated_at: at,
      duration_ms: null,
    },
  };
}

export function clusterEventEvent(clusterId: string): RealtimeEventOf<'cluster.event'> {
  return { type: 'cluster.event', event: { id: 'ev_1', cluster_id: clusterId, type: 'status', message: 'Status changed', created_at: at } };
}
