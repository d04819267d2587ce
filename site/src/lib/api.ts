// The dashboard's API client: Hono's `hc` typed by the Worker's own route definitions (ApiApp), so every path,
// parameter, body and response here is checked against the API itself. Sessions ride in the HttpOnly cookies the
// API sets; an expired access token is refreshed once, transparently, and a lost session goes to /login.
import { hc, type ClientResponse } from 'hono/client';
import type { ApiApp } from '../../../workers/routes/index.ts';

/** An API error in words: the server's message, its code, and the fields it named. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly fields: Record<string, string> = {},
    /** The error's `details` as the API sent them (e.g. the restore window a time fell outside of). */
    readonly details: unknown = undefined,
  ) {
    super(message);
  }
}

let refreshing: Promise<boolean> | null = null;

/** One refresh at a time, however many requests found the access token expired together. */
function refreshSession(): Promise<boolean> {
  refreshing ??= fetch('/v1/auth/refresh', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' })
    .then((res) => res.ok)
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

export function goToLogin(): void {
  const next = `${location.pathname}${location.search}`;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}

// hc calls fetch(url, init) with a string body, so the same arguments can be sent again after a refresh.
const sessionFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const send = () => fetch(input, { ...init, credentials: 'same-origin' });
  const res = await send();
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (res.status !== 401 || new URL(url, location.origin).pathname.startsWith('/v1/auth/')) return res;
  if (!(await refreshSession())) {
    goToLogin();
    return res;
  }
  return send();
};

export const api = hc<ApiApp>(typeof location === 'undefined' ? 'http://localhost' : location.origin, { fetch: sessionFetch });

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

function fieldErrors(details: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (Array.isArray(details)) {
    for (const d of details as Array<{ path?: unknown; message?: unknown }>) {
      const path = Array.isArray(d.path) ? d.path.join('.') : String(d.path ?? '');
      if (path && typeof d.message === 'string' && !fields[path]) fields[path] = d.message;
    }
  }
  return fields;
}

/** The body of a successful response, or an ApiFailure that says what went wrong in words. */
export async function unwrap<T, S extends number>(pending: Promise<ClientResponse<T, S, string>> | ClientResponse<T, S, string>): Promise<SuccessBody<T, S>> {
  let res: ClientResponse<T, S, string>;
  try {
    res = await pending;
  } catch {
    throw new ApiFailure('Could not reach Orochi Cloud. Check your connection and try again.', 0, 'network_error');
  }
  if (res.ok) return (await res.json()) as SuccessBody<T, S>;
  let body: ErrorBody = {};
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // not JSON: the status says enough
  }
  const code = body.error?.code ?? 'http_error';
  const message = body.error?.message ?? (res.status >= 500 ? 'Something went wrong on our side. Try again in a moment.' : `The request failed (${res.status}).`);
  throw new ApiFailure(message, res.status, code, fieldErrors(body.error?.details), body.error?.details);
}

/** The success payload of a client response union (2xx statuses only). */
export type SuccessBody<T, S extends number> = S extends 200 | 201 | 202 | 204 ? T : never;

export function errorText(error: unknown): string {
  if (error instanceof ApiFailure) return error.message;
  return error instanceof Error ? error.message : String(error);
}
