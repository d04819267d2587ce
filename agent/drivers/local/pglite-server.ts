// Serves one PGlite database on the Postgres wire protocol to many client connections.
//
// PGlite is a single session, so connections take turns. pglite-socket's own multiplexer takes turns per
// message, which lets two clients' extended-protocol sequences (Parse/Bind/Execute/Sync) interleave and
// corrupt each other's unnamed statements. Here a connection holds the session from its first message until
// its Sync (or simple Query) completes, and keeps holding it while a transaction it opened is still open.
//
// PGlite itself accepts anyone. With `auth`, this server asks for a password first (cleartext, which is what
// a loopback-only server can afford), checks user and password, and only then hands the client's startup
// message to PGlite; the local agent's clusters use this, the dev catalog does not.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

// Frontend messages after which the client waits for the server: the end of a turn.
const TURN_END = new Set(['S'.charCodeAt(0), 'Q'.charCodeAt(0)]);
const TERMINATE = 'X'.charCodeAt(0);
const PASSWORD_MESSAGE = 'p'.charCodeAt(0);
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

export interface PgliteCredentials {
  user: string;
  password: string;
}

export interface PgliteServerOptions {
  db: PGlite;
  host?: string;
  port?: number;
  /** The one user and password accepted, read at each login (so a rotation applies at once); null: no password. */
  auth?: () => PgliteCredentials | null;
}

/** The user named in a StartupMessage (protocol 3: int32 length, int32 version, then key\0value\0 ... \0). */
function startupUser(message: Buffer): string {
  const parts = message.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === 'user') return parts[i + 1]!;
  return '';
}

function authenticationCleartextPassword(): Buffer {
  const message = Buffer.alloc(9);
  message.write('R', 0);
  message.writeInt32BE(8, 1);
  message.writeInt32BE(3, 5);
  return message;
}

function errorResponse(code: string, text: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/** Constant-time check of user and password together, so neither leaks through timing. */
function credentialsMatch(expected: PgliteCredentials, user: string, password: string): boolean {
  const digest = (u: string, p: string) => createHash('sha256').update(u).update('\0').update(p).digest();
  return timingSafeEqual(digest(expected.user, expected.password), digest(user, password));
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

  /**
   * Runs `task` on the shared session between clients' turns and outside their transactions, so statements
   * the owner runs (an ALTER ROLE, say) never land inside a client's transaction. Gives up after `timeoutMs`
   * when a client keeps a transaction open.
   */
  async runExclusive<T>(task: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
    const owner = {};
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out waiting for client sessions to finish their transactions')), timeoutMs);
    });
    try {
      await Promise.race([this.lock.acquire(owner), timedOut]);
      return await task();
    } finally {
      clearTimeout(timer);
      this.lock.drop(owner);
    }
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
    // With auth: the startup message held back until the password is checked, and the user it names.
    let heldStartup: Buffer | null = null;
    let startupUserName = '';
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
          if (this.options.auth?.()) {
            heldStartup = Buffer.from(message);
            startupUserName = startupUser(heldStartup);
            socket.write(authenticationCleartextPassword());
            continue;
          }
          runTurn([new Uint8Array(message)], true);
          continue;
        }
        if (buffer.length < 5) return;
        const length = buffer.readInt32BE(1) + 1;
        if (buffer.length < length) return;
        const type = buffer[0]!;
        const message = new Uint8Array(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (heldStartup) {
          if (type !== PASSWORD_MESSAGE) {
            socket.end(errorResponse('08P01', 'expected a password message'));
            return;
          }
          // The payload is the password as a C string.
          const password = Buffer.from(message.subarray(5, message.length - 1)).toString('utf8');
          const expected = this.options.auth?.() ?? null;
          if (expected && !credentialsMatch(expected, startupUserName, password)) {
            socket.end(errorResponse('28P01', `password authentication failed for user "${startupUserName}"`));
            return;
          }
          const startup = heldStartup;
          heldStartup = null;
          runTurn([new Uint8Array(startup)], true);
          continue;
        }
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
