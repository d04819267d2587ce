// Answers the control plane's `request`s about one cluster each, every one with exactly one `response`: the payload
// checked against its kind's schema, the cluster held and running, the handler run within a time bound, and any
// failure turned into a code and a message that never holds the cluster's password or a statement's parameters.
// Requests run concurrently; each cluster has its own connections, so a broken cluster holds up only its own.
import pg from 'pg';
import type { AgentRequest, AgentResponse } from '../../protocol/agent.ts';
import { requestContracts, type LogEntry, type RequestKind } from '../../protocol/observability.ts';
import type { z } from 'zod';
import type { ClusterDriver, ClientSettings, SqlAccess } from '../drivers/driver.ts';
import { errorMessage, type Logger } from '../log.ts';
import type { HeldCluster } from '../reconciler.ts';
import { agentSql } from './agent-statements.ts';
import { ConnectionPool, DEFAULT_POOL_OPTIONS, type PoolOptions } from './connection-pool.ts';
import { readInsights, resetInsights } from './insights.ts';
import { isServerError, RequestFailure, sqlErrorOf } from './request-failure.ts';
import { RunningQueries } from './running-queries.ts';
import { readSchema } from './schema.ts';
import { runSql } from './sql.ts';
import { TypeNames } from './type-names.ts';

/** The log requests, answered by the agent's telemetry. */
export interface LogRequests {
  logHistory(clusterId: string, payload: z.infer<(typeof requestContracts)['logs']['payload']>): Promise<{ entries: LogEntry[] }>;
  followLogs(clusterId: string, follow: boolean): Promise<{ following: boolean }>;
}

export interface HeldClusters {
  cluster(clusterId: string): HeldCluster | null;
}

export interface RequestDispatcherOptions {
  clusters: HeldClusters;
  driver: Pick<ClusterDriver, 'sqlAccess'>;
  logs: LogRequests;
  log: Logger;
  pool?: PoolOptions;
}

/** Catalog reads (schema, insights) stop on the server after this, and the request is answered by then plus a margin. */
const CATALOG_TIMEOUT_MS = 20_000;
/** Beyond a handler's own bound: the answer goes out even if the handler never returns. */
const ANSWER_MARGIN_MS = 5_000;
/** The SQL handler cancels, then closes, a statement that outlives its timeout (sql.ts); this covers both steps. */
const SQL_GRACE_MS = 3_000;
const CONNECT_TIMEOUT_MS = 10_000;

const SET_TIMEOUT_SQL = agentSql("SELECT set_config('statement_timeout', $1, false)");
const CANCEL_SQL = agentSql('SELECT pg_catalog.pg_cancel_backend($1) AS signalled');

/** A cluster's connections, made again when what they were made from changes (a new port, a rotated password). */
interface ClusterConnections {
  fingerprint: string;
  access: SqlAccess;
  pool: ConnectionPool;
  types: TypeNames;
}

type Payload<K extends RequestKind> = z.infer<(typeof requestContracts)[K]['payload']>;

export class RequestDispatcher {
  private readonly connections = new Map<string, Promise<ClusterConnections | null>>();
  private readonly running = new RunningQueries();
  private closed = false;

  constructor(private readonly options: RequestDispatcherOptions) {}

  async handle(request: AgentRequest): Promise<AgentResponse> {
    const started = performance.now();
    const held = this.options.clusters.cluster(request.cluster_id);
    let password: string | null = null;
    try {
      if (this.closed) throw new RequestFailure('internal', 'the agent is shutting down');
      const parsed = requestContracts[request.kind].payload.safeParse(request.payload);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`).join('; ');
        throw new RequestFailure('bad_request', `invalid ${request.kind} payload: ${issues}`);
      }
      if (!held) throw new RequestFailure('not_found', `this agent holds no cluster ${request.cluster_id}`);
      const payload = parsed.data;
      // A sleeping cluster's log is still there to read.
      if (request.kind === 'logs') return ok(request, await withDeadline(this.options.logs.logHistory(held.clusterId, payload as Payload<'logs'>), CATALOG_TIMEOUT_MS));
      if (request.kind === 'logs_follow') {
        return ok(request, await withDeadline(this.options.logs.followLogs(held.clusterId, (payload as Payload<'logs_follow'>).follow), CATALOG_TIMEOUT_MS));
      }
      if (!held.running) {
        await this.forget(held.clusterId);
        const state = held.spec.state === 'running' ? (held.phase ?? 'starting') : held.spec.state;
        throw new RequestFailure('not_running', `the cluster is not running (${state})`);
      }
      const connections = await this.connectionsFor(held);
      password = connections.access.app.password;
      const bound = request.kind === 'sql' ? (payload as Payload<'sql'>).timeout_ms + SQL_GRACE_MS : CATALOG_TIMEOUT_MS;
      const result = await withDeadline(this.run(request.kind, payload, held, connections), bound + ANSWER_MARGIN_MS);
      return ok(request, result);
    } catch (error) {
      if ((error as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED') {
        // Stopped under the agent, or moved to another port: connections are made afresh next time.
        await this.forget(request.cluster_id);
        error = new RequestFailure('not_running', 'the cluster\'s server is not accepting connections');
      }
      const params = request.kind === 'sql' && Array.isArray(request.payload.params) ? request.payload.params : undefined;
      const response = failure(request, error, password, params);
      if (response.code === 'internal') {
        this.options.log.warn('request failed', { cluster_id: request.cluster_id, kind: request.kind, error: response.error, ms: Math.round(performance.now() - started) });
      }
      return response;
    }
  }

  /** Closes every cluster's connections; requests after this are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.keys()];
    await Promise.all(all.map((clusterId) => this.forget(clusterId)));
  }

  private async run(kind: RequestKind, payload: unknown, held: HeldCluster, connections: ClusterConnections): Promise<unknown> {
    const clusterId = held.clusterId;
    switch (kind) {
      case 'sql':
        return runSql(
          { clusterId, pool: connections.pool, types: connections.types, running: this.running, cancelBackend: (pid) => (connections.access.sharedSession ? Promise.resolve(false) : this.cancelBackend(connections.access, pid)) },
          payload as Payload<'sql'>,
        );
      case 'cancel':
        return this.cancel(clusterId, connections.access, (payload as Payload<'cancel'>).query_id);
      case 'schema':
        return this.withApp(connections, (client) => readSchema(client));
      case 'insights':
        return this.withReader(connections, (client) => readInsights(client, connections.access.app.database, payload as Payload<'insights'>));
      case 'insights_reset':
        if (!connections.access.admin) throw new RequestFailure('unsupported', 'resetting query insights needs an admin role, which this cluster does not offer the agent');
        return this.withClient(connections.access.admin, (client) => resetInsights(client));
      default:
        throw new RequestFailure('bad_request', `unknown request kind ${kind}`);
    }
  }

  /** Cancels the statement if it runs, and answers once it has ended (bounded), so it is gone from the server. */
  private async cancel(clusterId: string, access: SqlAccess, queryId: string): Promise<{ cancelled: boolean }> {
    const query = this.running.get(queryId, clusterId);
    if (!query) return { cancelled: false };
    if (access.sharedSession) throw new RequestFailure('unsupported', 'this cluster\'s engine (PGlite) runs one statement at a time and cannot cancel it');
    query.cancelRequested = true;
    const signal = this.cancelBackend(access, query.pid);
    query.cancelling = signal.catch(() => undefined);
    const signalled = await signal;
    if (!signalled) return { cancelled: false };
    await withDeadline(query.finished, CATALOG_TIMEOUT_MS).catch(() => undefined);
    return { cancelled: true };
  }

  /** pg_cancel_backend from a connection of its own: as the admin role, else as the app role (its own backends). */
  private async cancelBackend(access: SqlAccess, pid: number): Promise<boolean> {
    return this.withClient(access.admin ?? access.app, async (client) => {
      const { rows } = await client.query<{ signalled: boolean }>(CANCEL_SQL, [pid]);
      return rows[0]?.signalled === true;
    });
  }

  /** A pooled app-role connection with the catalog timeout. */
  private async withApp<T>(connections: ClusterConnections, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const connection = await connections.pool.acquire(CATALOG_TIMEOUT_MS);
    let reusable = false;
    try {
      await connection.client.query(SET_TIMEOUT_SQL, [String(CATALOG_TIMEOUT_MS)]);
      const result = await work(connection.client);
      reusable = true;
      return result;
    } catch (error) {
      reusable = isServerError(error) || error instanceof RequestFailure;
      throw error;
    } finally {
      if (reusable) connections.pool.release(connection);
      else connections.pool.discard(connection);
    }
  }

  /** The admin role where the driver offers one (it reads every role's statistics), else the app role. */
  private withReader<T>(connections: ClusterConnections, work: (client: pg.Client) => Promise<T>): Promise<T> {
    return connections.access.admin ? this.withClient(connections.access.admin, work) : this.withApp(connections, work);
  }

  /** A connection of its own, closed after the work. */
  private async withClient<T>(settings: ClientSettings, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ ...settings, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, statement_timeout: CATALOG_TIMEOUT_MS, application_name: 'orochi-agent' });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** The cluster's connections; its password is opened only when they are made. */
  private connectionsFor(held: HeldCluster): Promise<ClusterConnections> {
    const fingerprint = JSON.stringify([held.spec.username, held.spec.database, held.spec.password_sealed, held.record]);
    const current = this.connections.get(held.clusterId);
    const made = (async () => {
      const existing = await current?.catch(() => null);
      if (existing && existing.fingerprint === fingerprint) return existing;
      if (existing) await existing.pool.close();
      const sqlAccess = this.options.driver.sqlAccess;
      if (!sqlAccess) throw new RequestFailure('unsupported', 'this region\'s driver does not connect to clusters for requests');
      const access = await sqlAccess.call(this.options.driver, held.clusterId, held.spec, await held.password(), held.record);
      if (!access) return null;
      return { fingerprint, access, pool: new ConnectionPool(access.app, this.options.pool ?? DEFAULT_POOL_OPTIONS, access.sharedSession === true), types: new TypeNames() };
    })();
    const settled = made.catch(() => null);
    this.connections.set(held.clusterId, settled);
    return made.then((connections) => {
      if (!connections) {
        if (this.connections.get(held.clusterId) === settled) this.connections.delete(held.clusterId);
        throw new RequestFailure('not_running', 'the cluster\'s server is not accepting connections');
      }
      return connections;
    });
  }

  /** Closes a cluster's connections (it stopped, or the agent is closing). */
  private async forget(clusterId: string): Promise<void> {
    const current = this.connections.get(clusterId);
    if (!current) return;
    this.connections.delete(clusterId);
    const connections = await current.catch(() => null);
    await connections?.pool.close();
  }
}

function ok(request: AgentRequest, result: unknown): AgentResponse {
  return { type: 'response', id: request.id, ok: true, result };
}

/** The response for a failure, with the password and any parameter values taken out of its text. */
function failure(request: AgentRequest, error: unknown, password: string | null, params: unknown[] | undefined): AgentResponse {
  const base = { type: 'response' as const, id: request.id, ok: false as const };
  const clean = (text: string) => scrub(text, password, params);
  if (error instanceof RequestFailure) {
    const sqlError = error.sqlError ? { ...error.sqlError, message: clean(error.sqlError.message), detail: error.sqlError.detail && clean(error.sqlError.detail) } : undefined;
    return { ...base, code: error.code, error: clean(error.message).slice(0, 2000), ...(sqlError ? { sql_error: sqlError } : {}) };
  }
  if (isServerError(error)) {
    const sqlError = sqlErrorOf(error);
    return { ...base, code: 'sql_error', error: clean(error.message).slice(0, 2000), sql_error: { ...sqlError, message: clean(sqlError.message), detail: sqlError.detail && clean(sqlError.detail) } };
  }
  return { ...base, code: 'internal', error: clean(errorMessage(error)).slice(0, 2000) };
}

/**
 * The password never leaves the agent, and a statement's parameters are not repeated back in error text (PostgreSQL
 * quotes a value it could not take, like `invalid input syntax for type integer: "abc"`): each becomes `$n`.
 */
function scrub(text: string, password: string | null, params: unknown[] | undefined): string {
  let out = password ? text.replaceAll(password, '[redacted]') : text;
  for (const [index, value] of (params ?? []).entries()) {
    if (typeof value === 'string' && value.length > 0) out = out.replaceAll(`"${value}"`, `$${index + 1}`);
  }
  return out;
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestFailure('timeout', `no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
