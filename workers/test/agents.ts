// Test helpers for regions and their agents: a region created through the API, its agent registered and
// connected over a real WebSocket in workerd, and the agent's side of the protocol.
import { SELF, env } from 'cloudflare:test';
import { clusters } from '../../drizzle/schema.ts';
import { PROTOCOL_VERSION, type Command, DEFAULT_BACKUP_SPEC } from '../../protocol/agent.ts';
import type { Bindings } from '../env.ts';
import { seal } from '../../protocol/sealing.ts';
import { newId } from '../../protocol/ids.ts';
import { call, withCatalog, type Account } from './harness.ts';

export const bindings = env as unknown as Bindings;

export interface CreatedRegion {
  id: string;
  registrationToken: string;
}

export async function createRegion(account: Account, body: Record<string, unknown> = {}): Promise<CreatedRegion> {
  const res = await call('POST', '/v1/regions', {
    token: account.token,
    body: { name: `r-${crypto.randomUUID().slice(0, 8)}`, provider: 'local', driver: 'local', ...body },
  });
  if (res.status !== 201) throw new Error(`region creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.region.id, registrationToken: res.body.registration_token };
}

export async function registerAgent(registrationToken: string): Promise<string> {
  const res = await call('POST', '/v1/agent/register', { body: { registration_token: registrationToken, agent_version: '0.1.0' } });
  if (res.status !== 200) throw new Error(`agent registration failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.credential;
}

/** A region of the account's org with a registered agent: its id and the agent's credential. */
export async function regionWithAgent(account: Account, body: Record<string, unknown> = {}) {
  const region = await createRegion(account, body);
  return { regionId: region.id, credential: await registerAgent(region.registrationToken) };
}

export function openConnect(credential: string | null, headers: Record<string, string> = { Upgrade: 'websocket' }): Promise<Response> {
  return SELF.fetch('http://localhost/v1/agent/connect', {
    headers: { ...headers, ...(credential ? { Authorization: `Bearer ${credential}` } : {}) },
  });
}

type Message = { type: string; [key: string]: any };

/** The agent's end of the WebSocket: every message kept in arrival order, awaited by type. */
export class AgentSocket {
  readonly received: Message[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = new Map<string, number>();
  private wake: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener('message', (event) => {
      this.received.push(JSON.parse(event.data as string) as Message);
      for (const wake of this.wake.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => {
      ws.addEventListener('close', (event) => {
        resolve({ code: event.code, reason: event.reason });
        for (const wake of this.wake.splice(0)) wake();
      });
    });
  }

  /** The next message of `type` not yet returned by next(); waits for it up to `timeoutMs`. */
  async next(type: string, timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const from = this.cursor.get(type) ?? 0;
      const index = this.received.findIndex((m, i) => i >= from && m.type === type);
      if (index >= 0) {
        this.cursor.set(type, index + 1);
        return this.received[index]!;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} message within ${timeoutMs} ms; got ${this.received.map((m) => m.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the command with this id; commands arrive in order, so it also flushes everything sent before it. */
  async command(commandId: string, timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((m) => m.type === 'command' && m.command_id === commandId);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`command ${commandId} never arrived`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  commandIds(): string[] {
    return this.received.filter((m) => m.type === 'command').map((m) => m.command_id as string);
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  hello(clusters: Array<{ cluster_id: string; generation: number }> = [], agentVersion = '0.1.0'): void {
    this.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent_version: agentVersion, driver: 'local', clusters });
  }

  close(): void {
    try {
      this.ws.close(1000, 'bye');
    } catch {
      // already closed
    }
  }
}

export async function connectAgent(credential: string): Promise<AgentSocket> {
  const res = await openConnect(credential);
  if (res.status !== 101 || !res.webSocket) throw new Error(`agent connect failed: ${res.status} ${await res.text()}`);
  return new AgentSocket(res.webSocket);
}

/** Connects, says hello and waits for the resync that answers it. */
export async function greetedAgent(credential: string, clusters: Array<{ cluster_id: string; generation: number }> = []) {
  const agent = await connectAgent(credential);
  agent.hello(clusters);
  const resync = await agent.next('resync');
  return { agent, resync };
}

export function regionStub(regionId: string) {
  return bindings.REGION.get(bindings.REGION.idFromName(regionId));
}

/** A command as the ClusterDO would dispatch it (the spec's content does not matter to the RegionDO). */
export function testCommand(regionId: string, over: Partial<Command> = {}): Command {
  return {
    type: 'command',
    command_id: newId('cmd'),
    cluster_id: newId('cl'),
    region_id: regionId,
    operation_id: null,
    generation: 1,
    action: 'create',
    spec: {
      name: 'db',
      org_id: 'org_00000000000000000000000000',
      project_id: 'prj_00000000000000000000000000',
      engine: 'postgres',
      version: '17',
      tier: 'dedicated',
      size: 'dev',
      instances: 1,
      storage_gb: 10,
      settings: {},
      backups: DEFAULT_BACKUP_SPEC,
      state: 'running',
      database: 'app',
      username: 'app',
      password_sealed: 'v1.x.y',
      source: null,
      restore: null,
    },
    issued_at: new Date().toISOString(),
    ...over,
  };
}

/** Plants a cluster row in a region, as the cluster routes would leave it at `generation`. */
export async function seedRegionCluster(
  account: Account,
  regionId: string,
  over: Partial<typeof clusters.$inferInsert> = {},
): Promise<string> {
  const id = newId('cl');
  await withCatalog(async (db) =>
    db.insert(clusters).values({
      id,
      orgId: account.orgId,
      projectId: account.projectId,
      regionId,
      name: `cluster-${id.slice(-6)}`,
      engine: 'postgres',
      version: '17',
      tier: 'dedicated',
      size: 'dev',
      instances: 1,
      storageGb: 10,
      status: 'provisioning',
      passwordCiphertext: await seal(bindings.ENCRYPTION_KEY, 'pw'),
      ...over,
    }),
  );
  return id;
}

/** Polls until `check` passes (for effects of socket events that no response reports). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
