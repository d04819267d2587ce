// What the end-to-end tests do to a running stack, as a user would: the REST API with a bearer token, the realtime
// WebSocket, and plain Postgres connections to the clusters.
import { createConnection } from 'node:net';
import pg from 'pg';
import WebSocket from 'ws';
import { expect } from 'vitest';
import type { Stack } from '../dev/stack.ts';

export interface Session {
  token: string;
  orgId: string;
}

export type ApiCall = <T = any>(method: string, path: string, token: string | null, body?: unknown) => Promise<{ status: number; body: T }>;

export function stackClient(stack: Stack) {
  const api: ApiCall = async (method, path, token, body) => {
    const res = await fetch(`${stack.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  };

  /** A new user and organization, on the plan given (set in the catalog, as billing would). */
  async function signUp(plan: 'free' | 'enterprise' = 'enterprise'): Promise<Session> {
    const res = await api<any>('POST', '/v1/auth/register', null, { email: `e2e-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`, password: 'end to end pw' });
    expect(res.status).toBe(201);
    const client = new pg.Client({ connectionString: stack.catalog.databaseUrl });
    await client.connect();
    await client.query('update organizations set plan = $2 where id = $1', [res.body.organization.id, plan]);
    await client.end();
    return { token: res.body.access_token, orgId: res.body.organization.id };
  }

  /** A realtime socket of the session's org subscribed to the channels, recording every message that arrives. */
  async function subscribe(session: Session, channels: string[]) {
    const ws = new WebSocket(`${stack.url.replace(/^http/, 'ws')}/v1/realtime?org_id=${session.orgId}`, { headers: { authorization: `Bearer ${session.token}` } });
    const messages: any[] = [];
    const waiters: Array<{ match: (m: any) => boolean; resolve: (m: any) => void }> = [];
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString());
      messages.push(message);
      for (const w of [...waiters]) {
        if (w.match(message)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(message);
        }
      }
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const waitFor = (match: (m: any) => boolean, timeoutMs = 30_000): Promise<any> => {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching realtime message in ${timeoutMs} ms; saw ${messages.map((m) => m.type + ':' + (m.cluster?.status ?? m.operation?.status ?? '')).join(', ')}`)), timeoutMs);
        waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
      });
    };
    ws.send(JSON.stringify({ type: 'subscribe', channels }));
    const answer = await waitFor((m) => m.type === 'subscribed' || m.type === 'error');
    expect(answer.type, JSON.stringify(answer)).toBe('subscribed');
    return { messages, waitFor, close: () => ws.close() };
  }

  /** A realtime subscription that records every message for one cluster. */
  async function watch(session: Session, clusterId: string) {
    const subscription = await subscribe(session, [`cluster:${clusterId}`]);
    const { waitFor } = subscription;
    return {
      ...subscription,
      status: (status: string, timeoutMs?: number) => waitFor((m) => m.type === 'cluster.status' && m.cluster.status === status, timeoutMs),
      operation: (id: string, status = 'finished', timeoutMs?: number) => waitFor((m) => m.type === 'operation.updated' && m.operation.id === id && m.operation.status === status, timeoutMs),
    };
  }

  /** Polls the API until the cluster reaches a status (for clusters nobody is watching). */
  async function until(session: Session, clusterId: string, status: string, timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await api<any>('GET', `/v1/clusters/${clusterId}`, session.token);
      if (res.body.cluster?.status === status) return res.body.cluster;
      if (Date.now() > deadline) throw new Error(`cluster ${clusterId} is ${res.body.cluster?.status}, not ${status}, after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The event types a cluster has recorded, oldest first. */
  async function eventTypes(session: Session, clusterId: string): Promise<string[]> {
    const events = await api<any>('GET', `/v1/clusters/${clusterId}/events?limit=100`, session.token);
    return events.body.data.map((e: { type: string }) => e.type);
  }

  return { api, signUp, subscribe, watch, until, eventTypes };
}

/** One query on a fresh connection as the cluster's `app` role. */
export async function sql(endpoint: { host: string; port: number }, password: string, text: string, params: unknown[] = []) {
  const client = new pg.Client({ host: endpoint.host, port: endpoint.port, user: 'app', password, database: 'app', connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
