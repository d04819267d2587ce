// A few idle connections per cluster, so a statement from the SQL editor costs a round trip, not a login (a SCRAM
// login over TCP is several milliseconds; a `select 1` on an open connection well under one). Each connection goes
// back to the pool only after it was reset to a fresh session (DISCARD ALL, after rolling back a transaction the
// user left open), so one request's settings, temporary tables, locks or open transaction never reach the next.
// On a server whose connections share one session (PGlite) a DISCARD ALL would reset every client's session (its
// role too): there only the agent's own settings are reset.
import pg from 'pg';
import type { ClientSettings } from '../drivers/driver.ts';
import { agentSql } from './agent-statements.ts';

export interface PoolOptions {
  /** Connections open at once, busy or idle. */
  max: number;
  /** An idle connection is closed after this long. */
  idleMs: number;
  connectTimeoutMs: number;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = { max: 4, idleMs: 60_000, connectTimeoutMs: 10_000 };

const ROLLBACK_SQL = agentSql('ROLLBACK');
const DISCARD_SQL = agentSql('DISCARD ALL');
const RESET_AGENT_SETTINGS_SQL = agentSql('RESET statement_timeout; RESET default_transaction_read_only');

export class PooledConnection {
  /** The server's transaction status after the last statement: I idle, T in a transaction, E in a failed one. */
  transactionStatus = 'I';
  /** The connection failed or ended: it is closed rather than reused. */
  broken = false;
  idleTimer: NodeJS.Timeout | null = null;

  constructor(readonly client: pg.Client) {
    // An idle connection whose server went away emits 'error'; without a listener that would end the process.
    client.on('error', () => {
      this.broken = true;
    });
    client.on('end', () => {
      this.broken = true;
    });
    const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    connection.on('readyForQuery', (message: { status?: string }) => {
      if (message.status) this.transactionStatus = message.status;
    });
  }

  /** The server process serving this connection (pg_cancel_backend takes it). */
  get pid(): number {
    return (this.client as unknown as { processID: number }).processID;
  }

  /** Closes the socket at once, even mid-statement (a statement that ignores its cancel). */
  destroy(): void {
    this.broken = true;
    const stream = (this.client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream;
    stream.destroy();
    this.client.end().catch(() => undefined);
  }
}

export class ConnectionPool {
  private readonly idle: PooledConnection[] = [];
  private readonly waiters: Array<(connection: PooledConnection | Error) => void> = [];
  private open = 0;
  private closed = false;

  constructor(
    private readonly settings: ClientSettings,
    private readonly options: PoolOptions = DEFAULT_POOL_OPTIONS,
    private readonly sharedSession = false,
  ) {}

  /** An idle connection, a new one while fewer than `max` are open, or the next one released. */
  async acquire(timeoutMs: number): Promise<PooledConnection> {
    if (this.closed) throw new Error('the connection pool is closed');
    for (let connection = this.idle.pop(); connection; connection = this.idle.pop()) {
      if (connection.idleTimer) clearTimeout(connection.idleTimer);
      connection.idleTimer = null;
      if (!connection.broken) return connection;
      this.discard(connection);
    }
    if (this.open < this.options.max) {
      this.open += 1;
      try {
        return await this.connect();
      } catch (error) {
        this.open -= 1;
        this.wakeWaiter();
        throw error;
      }
    }
    return new Promise<PooledConnection>((resolve, reject) => {
      const waiter = (connection: PooledConnection | Error) => {
        clearTimeout(timer);
        if (connection instanceof Error) reject(connection);
        else resolve(connection);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`all ${this.options.max} connections of this cluster stayed busy for ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Gives a connection back: reset to a fresh session and kept idle, or closed when it broke or the reset failed. */
  release(connection: PooledConnection): void {
    if (connection.broken || this.closed) {
      this.discard(connection);
      return;
    }
    this.reset(connection).then(
      () => this.keep(connection),
      () => this.discard(connection),
    );
  }

  /** Closes a connection that must not be reused (it timed out mid-statement, say). */
  discard(connection: PooledConnection): void {
    if (connection.idleTimer) clearTimeout(connection.idleTimer);
    if (!connection.broken) connection.client.end().catch(() => undefined);
    connection.broken = true;
    this.open -= 1;
    this.wakeWaiter();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(new Error('the connection pool is closed'));
    await Promise.all(
      this.idle.splice(0).map(async (connection) => {
        if (connection.idleTimer) clearTimeout(connection.idleTimer);
        this.open -= 1;
        await connection.client.end().catch(() => undefined);
      }),
    );
  }

  private async connect(): Promise<PooledConnection> {
    const client = new pg.Client({ ...this.settings, connectionTimeoutMillis: this.options.connectTimeoutMs, application_name: 'orochi-agent' });
    const connection = new PooledConnection(client);
    try {
      await client.connect();
    } catch (error) {
      client.end().catch(() => undefined);
      // The code stays (ECONNREFUSED: the server is gone); the message says what was being done.
      throw Object.assign(new Error(`could not connect to the cluster's server: ${(error as Error).message}`), { code: (error as NodeJS.ErrnoException).code });
    }
    return connection;
  }

  private async reset(connection: PooledConnection): Promise<void> {
    if (connection.transactionStatus !== 'I') await connection.client.query(ROLLBACK_SQL);
    await connection.client.query(this.sharedSession ? RESET_AGENT_SETTINGS_SQL : DISCARD_SQL);
  }

  private keep(connection: PooledConnection): void {
    if (connection.broken || this.closed) {
      this.discard(connection);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(connection);
      return;
    }
    connection.idleTimer = setTimeout(() => {
      const index = this.idle.indexOf(connection);
      if (index >= 0) this.idle.splice(index, 1);
      this.discard(connection);
    }, this.options.idleMs);
    connection.idleTimer.unref();
    this.idle.push(connection);
  }

  /** A slot freed up: the oldest waiter gets a new connection. */
  private wakeWaiter(): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (!waiter) return;
    this.open += 1;
    this.connect().then(waiter, (error: Error) => {
      this.open -= 1;
      waiter(error);
    });
  }
}
