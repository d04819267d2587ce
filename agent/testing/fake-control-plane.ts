// A small stand-in for the control plane in the agent's tests, on 127.0.0.1:0: POST /v1/agent/register,
// POST /v1/agent/token and the WebSocket at GET /v1/agent/connect, with the same shapes and status codes as
// the Worker's routes. Tests drive it: send messages, drop the socket, refuse upgrades, expire credentials.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { agentMessageSchema, type AgentMessage, type Command, type ControlMessage, AGENT_CLOSE_CODES } from '../../protocol/agent.ts';
import { seal } from '../../protocol/sealing.ts';
import { command, clusterSpec } from './fixtures.ts';

export interface ReceivedMessage {
  connection: number;
  message: AgentMessage;
}

export class FakeControlPlane {
  readonly regionId = 'rg_fake';
  readonly regionKey = randomBytes(32).toString('base64url');
  url = '';
  credentialTtlMs = 3_600_000;
  /** Upgrades answered with this status (then decremented) instead of accepted. */
  refuseUpgrades = 0;
  refuseStatus = 503;
  registrations = 0;
  renewals = 0;
  connections = 0;
  readonly received: ReceivedMessage[] = [];
  readonly credentialsSeen: string[] = [];
  /** Messages from the agent that break the protocol (a test expects none). */
  readonly invalid: string[] = [];
  /** Called for every message, as it arrives. */
  onMessage: (message: AgentMessage, socket: WebSocket) => void = () => {};
  private readonly registrationTokens = new Set<string>();
  private readonly validCredentials = new Set<string>();
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private socket: WebSocket | null = null;

  constructor() {
    this.server = createServer((request, response) => void this.http(request, response));
    this.server.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    this.url = `http://127.0.0.1:${address.port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A one-time registration token, as POST /v1/regions hands out. */
  registrationToken(): string {
    const token = `rt_${randomBytes(24).toString('base64url')}`;
    this.registrationTokens.add(token);
    return token;
  }

  allowToken(token: string): void {
    this.registrationTokens.add(token);
  }

  /** Every credential issued so far stops working (a key rotation, a revoked region). */
  revokeCredentials(): void {
    this.validCredentials.clear();
  }

  send(message: ControlMessage | Record<string, unknown> | string): void {
    if (!this.socket) throw new Error('no agent connected');
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Kills the agent's connection without a close handshake. */
  drop(): void {
    this.socket?.terminate();
    this.socket = null;
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  messages<T extends AgentMessage['type']>(type: T): Array<Extract<AgentMessage, { type: T }>> {
    return this.received.filter((r) => r.message.type === type).map((r) => r.message as Extract<AgentMessage, { type: T }>);
  }

  async waitFor<T extends AgentMessage['type']>(
    type: T,
    predicate: (message: Extract<AgentMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Extract<AgentMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.messages(type).find(predicate);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no ${type} message matched within ${timeoutMs} ms`);
  }

  /** A command for this region, its password sealed with the region key. */
  async command(clusterId: string, generation: number, password: string, overrides: Parameters<typeof clusterSpec>[0] = {}, action: Command['action'] = 'create'): Promise<Command> {
    const spec = clusterSpec({ ...overrides, password_sealed: await seal(this.regionKey, password) });
    return command(clusterId, this.regionId, generation, spec, action);
  }

  private issueCredential(): { credential: string; expires_at: string } {
    const credential = `agentcred_${randomBytes(24).toString('base64url')}`;
    this.validCredentials.add(credential);
    return { credential, expires_at: new Date(Date.now() + this.credentialTtlMs).toISOString() };
  }

  private bearer(request: IncomingMessage): string | null {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    return match ? match[1]! : null;
  }

  private async http(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const unauthorized = (message: string) => reply(401, { error: { code: 'unauthorized', message, request_id: 'req_fake' } });
    if (request.method === 'POST' && request.url === '/v1/agent/register') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { registration_token?: string; agent_version?: string };
      if (!body.registration_token || !this.registrationTokens.delete(body.registration_token)) {
        return unauthorized('The registration token is not valid, was already used or has expired');
      }
      this.registrations++;
      return reply(200, { region_id: this.regionId, ...this.issueCredential(), region_key: this.regionKey });
    }
    if (request.method === 'POST' && request.url === '/v1/agent/token') {
      const credential = this.bearer(request);
      if (!credential || !this.validCredentials.has(credential)) return unauthorized('The agent credential is invalid or expired; register again');
      this.renewals++;
      return reply(200, { region_id: this.regionId, ...this.issueCredential() });
    }
    reply(404, { error: { code: 'not_found', message: 'not found' } });
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{}`);
    };
    if (request.url !== '/v1/agent/connect') return refuse(404, 'Not Found');
    const credential = this.bearer(request);
    if (credential) this.credentialsSeen.push(credential);
    if (!credential || !this.validCredentials.has(credential)) return refuse(401, 'Unauthorized');
    if (this.refuseUpgrades > 0) {
      this.refuseUpgrades--;
      return refuse(this.refuseStatus, 'Refused');
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = ++this.connections;
      // A newer connection replaces an older one, as the RegionDO does.
      this.socket?.close(AGENT_CLOSE_CODES.replaced, 'replaced');
      this.socket = ws;
      ws.on('message', (data) => {
        const parsed = agentMessageSchema.safeParse(JSON.parse(data.toString()));
        if (!parsed.success) {
          this.invalid.push(data.toString());
          return;
        }
        this.received.push({ connection, message: parsed.data });
        this.onMessage(parsed.data, ws);
      });
      ws.on('close', () => {
        if (this.socket === ws) this.socket = null;
      });
    });
  }
}
