// Calls the whole Worker the way a client does (SELF.fetch through every middleware) and sets up accounts in
// one line.
import { SELF } from 'cloudflare:test';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  ip?: string;
}

let counter = 0;
const runId = Date.now().toString(36);

export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}-${runId}-${counter}@example.com`;
}

/** A client address of its own, so per-address rate limits in one test never touch another. */
export function uniqueIp(): string {
  counter += 1;
  return `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}`;
}

export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { 'cf-connecting-ip': options.ip ?? uniqueIp(), ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await SELF.fetch(`http://localhost${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if (res.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export interface Account {
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  userId: string;
  orgId: string;
  projectId: string;
}

export async function signUp(overrides: { email?: string; password?: string; name?: string; org_name?: string } = {}): Promise<Account> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? 'correct horse battery staple';
  const res = await call('POST', '/v1/auth/register', { body: { ...overrides, email, password } });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    email,
    password,
    token: res.body.access_token,
    refreshToken: res.body.refresh_token,
    userId: res.body.user.id,
    orgId: res.body.organization.id,
    projectId: res.body.project.id,
  };
}

/** Asserts the API's one error shape and returns the code. */
export function errorCode(res: ApiResponse): string {
  const error = (res.body as { error?: { code?: unknown; message?: unknown; request_id?: unknown } }).error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string' || typeof error.request_id !== 'string') {
    throw new Error(`not an API error body: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return error.code;
}
