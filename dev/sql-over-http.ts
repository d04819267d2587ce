// Neon's SQL-over-HTTP endpoint (`POST /sql`), served by the local bridge so the Worker's one-shot queries
// take the same path locally as in production: one HTTP round trip per statement (or per batch), no WebSocket
// and no Postgres start-up per request. Statements run on a small pool of persistent connections to the
// bridge's one target database.
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';

interface Statement {
  query: string;
  params?: unknown[];
}

// The Neon driver parses values itself from Postgres' text format, so nothing is parsed here.
const rawText = { getTypeParser: () => (value: string) => value };

// Fields of a Postgres error the driver copies onto the error it throws (code, constraint, ...).
const ERROR_FIELDS = [
  'severity', 'code', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'where',
  'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine',
] as const;

const ISOLATION = new Set(['ReadUncommitted', 'ReadCommitted', 'RepeatableRead', 'Serializable']);

export class SqlOverHttp {
  private readonly pools = new Map<string, pg.Pool>();

  constructor(private readonly target: { host: string; port: number }) {}

  /** Credentials and database come from the connection string; the host is always the bridge's target. */
  private pool(connectionString: string): pg.Pool {
    let pool = this.pools.get(connectionString);
    if (!pool) {
      const url = new URL(connectionString);
      pool = new pg.Pool({
        host: this.target.host,
        port: this.target.port,
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
        max: 4,
        idleTimeoutMillis: 30_000,
      });
      pool.on('error', () => undefined);
      this.pools.set(connectionString, pool);
    }
    return pool;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const connectionString = req.headers['neon-connection-string'];
    if (typeof connectionString !== 'string') {
      return send(res, 400, { message: 'missing Neon-Connection-String header' });
    }
    let body: { query?: string; params?: unknown[]; queries?: Statement[] };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch {
      return send(res, 400, { message: 'request body is not JSON' });
    }
    let client: pg.PoolClient;
    try {
      client = await this.pool(connectionString).connect();
    } catch (error) {
      return send(res, 500, { message: `cannot connect to the database: ${String(error)}` });
    }
    try {
      if (Array.isArray(body.queries)) {
        const isolation = req.headers['neon-batch-isolation-level'];
        const level = typeof isolation === 'string' && ISOLATION.has(isolation) ? isolation.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase() : null;
        const readOnly = req.headers['neon-batch-read-only'] === 'true';
        await client.query(`BEGIN${level ? ` ISOLATION LEVEL ${level}` : ''}${readOnly ? ' READ ONLY' : ''}`);
        try {
          const results = [];
          for (const statement of body.queries) results.push(await run(client, statement));
          await client.query('COMMIT');
          send(res, 200, { results });
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      } else if (typeof body.query === 'string') {
        send(res, 200, await run(client, { query: body.query, params: body.params }));
      } else {
        send(res, 400, { message: 'body must have query or queries' });
      }
    } catch (error) {
      const e = error as Record<string, unknown>;
      if (typeof e.code === 'string') {
        send(res, 400, { message: String(e.message), ...Object.fromEntries(ERROR_FIELDS.map((f) => [f, e[f]])) });
      } else {
        send(res, 500, { message: String(error) });
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end()));
    this.pools.clear();
  }
}

async function run(client: pg.PoolClient, statement: Statement) {
  const result = await client.query({ text: statement.query, values: statement.params ?? [], rowMode: 'array', types: rawText });
  return {
    fields: result.fields,
    rows: result.rows,
    command: result.command,
    rowCount: result.rowCount,
    rowAsArray: true,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
