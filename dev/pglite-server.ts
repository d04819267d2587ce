// Serves one PGlite database on the Postgres wire protocol to many client connections.
//
// PGlite is a single session, so connections take turns. pglite-socket's own multiplexer takes turns per
// message, which lets two clients' extended-protocol sequences (Parse/Bind/Execute/Sync) interleave and
// corrupt each other's unnamed statements. Here a connection holds the session from its first message until
// its Sync (or simple Query) completes, and keeps holding it while a transaction it opened is still open.
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

// Frontend messages after which the client waits for the server: the end of a turn.
const TURN_END = new Set(['S'.charCodeAt(0), 'Q'.charCodeAt(0)]);
const TERMINATE = 'X'.charCodeAt(0);
// Flush asks for output mid-sequence: run what is queued but keep the session until the Sync.
const FLUSH = 'H'.charCodeAt(0);

class SessionLock {
  private owner: object | null = null;
  private waiters: Array<{ conn: object; resolve: () => void }> = [];

  async acquire(conn: object): Promise<void> {
    if (this.owner === conn) return;
    if (this.owner === null) {
      this.owner = conn;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push({ conn, resolve }));
  }

  release(conn: object): void {
    if (this.owner !== conn) return;
    const next = this.waiters.shift();
    this.owner = next ? next.conn : null;
    next?.resolve();
  }

  drop(conn: object): void {
    this.waiters = this.waiters.filter((w) => w.conn !== conn);
    this.release(conn);
  }

  holds(conn: object): boolean {
    return this.owner === conn;
  }
}

export interface PgliteServerOptions {
  db: PGlite;
  host?: string;
  port?: number;
}

export class PgliteServer {
  private readonly db: PGlite;
  private readonly lock = new SessionLock();
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly options: PgliteServerOptions) {
    this.db = options.db;
  }

  async start(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('pglite server has no TCP address');
    this.port = address.port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const conn = {};
    let buffer: Buffer = Buffer.alloc(0);
    let started = false;
    let pending: Uint8Array[] = [];
    // Turns of one connection run strictly in order.
    let chain = Promise.resolve();

    const fail = (error: unknown) => {
      console.error(JSON.stringify({ level: 'error', msg: 'pglite connection failed', error: String(error) }));
      socket.destroy();
    };

    const runTurn = (messages: Uint8Array[], endsTurn: boolean) => {
      chain = chain
        .then(async () => {
          await this.lock.acquire(conn);
          for (const message of messages) {
            await this.db.execProtocolRawStream(message, {
              onRawData: (data) => {
                if (socket.writable) socket.write(data);
              },
            });
          }
          if (endsTurn && !this.db.isInTransaction()) this.lock.release(conn);
        })
        .catch(fail);
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      while (true) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            socket.write('N');
            continue;
          }
          if (code === CANCEL_REQUEST || code !== PROTOCOL_3) {
            socket.end();
            return;
          }
          started = true;
          runTurn([new Uint8Array(message)], true);
          continue;
        }
        if (buffer.length < 5) return;
        const length = buffer.readInt32BE(1) + 1;
        if (buffer.length < length) return;
        const type = buffer[0]!;
        const message = new Uint8Array(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (type === TERMINATE) {
          socket.end();
          return;
        }
        pending.push(message);
        if (TURN_END.has(type) || type === FLUSH) {
          runTurn(pending, type !== FLUSH);
          pending = [];
        }
      }
    });

    const close = () => {
      this.sockets.delete(socket);
      chain = chain
        .then(async () => {
          // A client that vanished inside a transaction must not leave the shared session in it.
          if (this.lock.holds(conn) && this.db.isInTransaction()) await this.db.exec('ROLLBACK');
        })
        .catch(() => undefined)
        .finally(() => this.lock.drop(conn));
    };
    socket.on('close', close);
    socket.on('error', () => socket.destroy());
  }
}
