// A faulty network between a region agent and the control plane, for the chaos run: the agent is pointed at this
// proxy instead of the Worker. HTTP (register, token renewal) passes through unchanged; on the agent's WebSocket
// every command and resync the control plane sends can be delivered twice (at once and again a little later), as
// an at-least-once transport may, and the link can be cut on demand. Binds 127.0.0.1 only.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer, type RawData } from 'ws';

export interface AgentLinkOptions {
  /** The control plane, e.g. http://127.0.0.1:8787. */
  upstream: string;
  /** Chance that a command or resync frame is delivered a second time. */
  duplicateRate: number;
  /** The second copy comes this much later (ms, at most). */
  duplicateDelayMs: number;
  random?: () => number;
}

export interface AgentLinkStats {
  connections: number;
  framesToAgent: number;
  duplicated: number;
  cuts: number;
}

export class AgentLink {
  readonly stats: AgentLinkStats = { connections: 0, framesToAgent: 0, duplicated: 0, cuts: 0 };
  private server: Server | null = null;
  private readonly pairs = new Set<{ agent: WebSocket; upstream: WebSocket }>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: AgentLinkOptions) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the agent link is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    const wss = new WebSocketServer({ noServer: true });
    this.server = createServer((req, res) => {
      void this.forwardHttp(req).then(
        async (upstream) => {
          // fetch has already decoded the body, so its encoding and length headers no longer describe it.
          const headers = Object.fromEntries([...upstream.headers].filter(([name]) => name !== 'content-encoding' && name !== 'content-length'));
          res.writeHead(upstream.status, headers);
          res.end(Buffer.from(await upstream.arrayBuffer()));
        },
        (error: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`agent link: ${(error as Error).message}`);
        },
      );
    });
    this.server.on('upgrade', (req, socket, head) => {
      const headers: Record<string, string> = {};
      if (req.headers.authorization) headers.authorization = req.headers.authorization;
      const upstream = new WebSocket(`${this.options.upstream.replace(/^http/, 'ws')}${req.url}`, { headers });
      upstream.once('open', () =>
        wss.handleUpgrade(req, socket, head, (agent) => {
          this.stats.connections += 1;
          this.join(agent, upstream);
        }),
      );
      upstream.once('unexpected-response', (_request, response) => {
        socket.end(`HTTP/1.1 ${response.statusCode} ${response.statusMessage}\r\n\r\n`);
      });
      upstream.once('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Cuts every agent connection at once (both sides see the socket drop, as with a network failure). */
  cut(): void {
    for (const pair of this.pairs) {
      this.stats.cuts += 1;
      pair.agent.terminate();
      pair.upstream.terminate();
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async forwardHttp(req: IncomingMessage): Promise<Response> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && name !== 'host' && name !== 'connection') headers.set(name, value);
    }
    return fetch(`${this.options.upstream}${req.url}`, {
      method: req.method,
      headers,
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
  }

  private join(agent: WebSocket, upstream: WebSocket): void {
    const pair = { agent, upstream };
    this.pairs.add(pair);
    const random = this.options.random ?? Math.random;
    upstream.on('message', (data: RawData, binary: boolean) => {
      if (agent.readyState !== WebSocket.OPEN) return;
      this.stats.framesToAgent += 1;
      agent.send(data, { binary });
      if (binary || random() >= this.options.duplicateRate || !this.isCommand(data)) return;
      this.stats.duplicated += 1;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (agent.readyState === WebSocket.OPEN) agent.send(data, { binary });
      }, Math.floor(random() * this.options.duplicateDelayMs));
      this.timers.add(timer);
    });
    agent.on('message', (data: RawData, binary: boolean) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary });
    });
    const closeBoth = () => {
      this.pairs.delete(pair);
      if (agent.readyState === WebSocket.OPEN) agent.close();
      if (upstream.readyState === WebSocket.OPEN) upstream.close();
    };
    agent.once('close', closeBoth);
    upstream.once('close', closeBoth);
    agent.once('error', closeBoth);
    upstream.once('error', closeBoth);
  }

  private isCommand(data: RawData): boolean {
    try {
      const type = (JSON.parse(data.toString()) as { type?: unknown }).type;
      return type === 'command' || type === 'resync';
    } catch {
      return false;
    }
  }
}
