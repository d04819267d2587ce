// The API client: Hono's `hc` typed by the Worker's own routes (ApiApp), over a fetch that adds the credentials,
// refreshes an expiring session once, gives every change an Idempotency-Key, and under --dry-run shows a change
// instead of sending it.
import { hc, type ClientResponse } from 'hono/client';
import type { ApiApp } from '../workers/routes/index.ts';
import { readCredentials, withCredentialsLock, writeCredentials, type Credentials } from './credentials.ts';
import { CliError, EXIT, exitCodeForStatus } from './errors.ts';

/** Refreshed this long before the access token expires, so it does not lapse in flight. */
const REFRESH_MARGIN_MS = 30_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface ClientOptions {
  apiUrl: string;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
  /** Sent with every change; the same key again makes the API answer the first response instead of acting twice. */
  idempotencyKey: string;
}

/** The request a --dry-run would have sent: what the command prints instead of sending it. */
export class DryRun extends Error {
  constructor(readonly request: { method: string; url: string; headers: Record<string, string>; body: unknown }) {
    super('dry run');
  }
}

interface TokenPairBody {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

/** A session's credentials after a fresh token pair. */
export function sessionFromTokens(previous: { api_url: string; email: string; org_id: string | null }, pair: TokenPairBody): Credentials {
  return { kind: 'session', ...previous, access_token: pair.access_token, refresh_token: pair.refresh_token, access_expires_at: Date.now() + pair.expires_in * 1000 };
}

export function notSignedIn(): CliError {
  return new CliError('Not signed in: run `orochi auth login` (or pass an API key with `orochi auth login --api-key`)', EXIT.auth, 'unauthenticated', null);
}

export class Session {
  private credentials: Credentials | null | undefined;

  constructor(readonly options: ClientOptions) {}

  async current(): Promise<Credentials> {
    if (this.credentials === undefined) this.credentials = await readCredentials(this.options.env);
    if (!this.credentials) throw notSignedIn();
    // Credentials go only to the API that issued them, never to another --url or $OROCHI_API_URL.
    if (new URL(this.credentials.api_url).origin !== new URL(this.options.apiUrl).origin) {
      throw new CliError(`Signed in to ${this.credentials.api_url}, not ${this.options.apiUrl}: run \`orochi auth login --url ${this.options.apiUrl}\``, EXIT.auth, 'unauthenticated');
    }
    return this.credentials;
  }

  /** The bearer token to send: the API key, or the session's access token, refreshed when it is about to expire. */
  async token(force = false): Promise<string> {
    const credentials = await this.current();
    if (credentials.kind === 'api_key') return credentials.api_key;
    if (!force && credentials.access_expires_at - REFRESH_MARGIN_MS > Date.now()) return credentials.access_token;
    const spent = credentials.refresh_token;
    this.credentials = await withCredentialsLock(async () => {
      // Another command may have refreshed while this one waited for the lock: its tokens are the ones to use.
      const stored = await readCredentials(this.options.env);
      if (stored?.kind === 'session' && stored.refresh_token !== spent) return stored;
      const res = await reachingFetch(new URL('/v1/auth/refresh', credentials.api_url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: spent }),
      });
      if (!res.ok) throw new CliError('The session has ended: run `orochi auth login` again', EXIT.auth, 'unauthorized', res.status);
      const next = sessionFromTokens(credentials, (await res.json()) as TokenPairBody);
      await writeCredentials(next, this.options.env);
      return next;
    }, this.options.env);
    return (this.credentials as Extract<Credentials, { kind: 'session' }>).access_token;
  }
}

/** fetch, with an unreachable API said in words (exit 1) rather than as Node's "fetch failed". */
export const reachingFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  try {
    return await fetch(input, init);
  } catch (error) {
    throw new CliError(`Could not reach the API at ${new URL(url).origin}: ${(error as Error).message}`, EXIT.api, 'network_error');
  }
}) as typeof fetch;

function bodyOf(init: RequestInit | undefined): unknown {
  if (typeof init?.body !== 'string') return null;
  try {
    return JSON.parse(init.body);
  } catch {
    return init.body;
  }
}

/** A fetch for `hc`: credentials, Idempotency-Key on changes, one retry after a refresh, --dry-run. */
export function cliFetch(session: Session): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers);
    const change = !SAFE_METHODS.has(method);
    if (change) headers.set('idempotency-key', session.options.idempotencyKey);
    if (change && session.options.dryRun) {
      const shown: Record<string, string> = { authorization: 'Bearer <redacted>' };
      headers.forEach((value, name) => (shown[name] = value));
      throw new DryRun({ method, url, headers: shown, body: bodyOf(init) });
    }
    const send = async (force: boolean) => {
      headers.set('authorization', `Bearer ${await session.token(force)}`);
      return reachingFetch(url, { ...init, method, headers });
    };
    const res = await send(false);
    if (res.status !== 401 || (await session.current()).kind !== 'session') return res;
    return send(true);
  }) as typeof fetch;
}

export function apiClient(session: Session) {
  return hc<ApiApp>(session.options.apiUrl, { fetch: cliFetch(session) });
}
export type Api = ReturnType<typeof apiClient>;

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/** The success payload of a client response union (2xx statuses only). */
export type SuccessBody<T, S extends number> = S extends 200 | 201 | 202 | 204 ? T : never;

/** The body of a successful answer, or a CliError carrying the API's code, message, details and the exit code. */
export async function unwrap<T, S extends number>(pending: Promise<ClientResponse<T, S, string>>): Promise<SuccessBody<T, S>> {
  const res = await pending;
  if (res.ok) return (await res.json()) as SuccessBody<T, S>;
  let body: ErrorBody = {};
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // not JSON: the status says enough
  }
  throw new CliError(body.error?.message ?? `The API answered ${res.status}`, exitCodeForStatus(res.status), body.error?.code ?? 'http_error', res.status, body.error?.details);
}
