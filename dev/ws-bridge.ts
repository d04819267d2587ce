// The local stand-in for Neon's proxy, for the Neon serverless driver inside workerd:
//   - WebSocket-to-TCP: the driver speaks the Postgres wire protocol over a WebSocket
//     (`ws://<bridge>/v2?address=host:port`); each WebSocket is piped to a TCP connection to the catalog.
//   - SQL over HTTP (`POST /sql`): one-shot statements, as Neon serves them (see sql-over-http.ts).
//
// It is not an open proxy: it only ever connects to the one target it was started with.
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import type { WebSocket, WebSocketServer as WebSocketServerType } from 'ws';
import { SqlOverHttp } from './sql-over-http.ts';

// Loaded through require: vitest's workers project resolves bare imports with worker conditions, which pick
// ws's browser stub even in this Node-side setup code.
const { WebSocketServer } = createRequire(import.meta.url)('ws') as typeof import('ws');

export interface WsBridgeOptions {
  target: { host: string; port: number };
  host?: string;
  port?: number;
}

export class WsBridge {
  private server: Server | null = null;
  private wss: WebSocketServerType | null = null;
  private readonly sockets = new Set<WebSocket>();
  private readonly sql: SqlOverHttp;
  port = 0;

  constructor(private readonly options: WsBridgeOptions) {
    this.sql = new SqlOverHttp(options.target);
  }

  async start(): Promise<number> {
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    const server = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/sql') {
        void this.sql.handle(req, res);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('POST /sql or a WebSocket to /v2\n');
    });
    server.keepAliveTimeout = 60_000;
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://bridge');
      if (url.pathname !== '/v2') {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.pipe(ws));
    });
    this.server = server;
    this.wss = wss;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('bridge has no TCP address');
    this.port = address.port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss?.close();
    await this.sql.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private pipe(ws: WebSocket): void {
    this.sockets.add(ws);
    const tcp = connect(this.options.target.port, this.options.target.host);
    tcp.setNoDelay(true);
    // Frames that arrive before the TCP connection is up are queued by the socket itself.
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      tcp.write(bytes);
    });
    tcp.on('data', (chunk) => {
      if (ws.readyState === ws.OPEN) ws.send(chunk);
    });
    const close = () => {
      this.sockets.delete(ws);
      tcp.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
    };
    ws.on('close', close);
    ws.on('error', close);
    tcp.on('close', close);
    tcp.on('error', close);
  }
}
