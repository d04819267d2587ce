// Calls the whole Worker the way a client does (SELF.fetch through every middleware) and sets up accounts in
// one line. A few helpers reach the catalog directly, for what no client can do (read the mail outbox, change
// a plan, plant a cluster).
import { SELF, createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { desc, eq } from 'drizzle-orm';
import { clusters, mailOutbox, organizations, regions } from '../../drizzle/schema.ts';
import { createApp, type App } from '../app.ts';
import { parseSettings } from '../../core/settings.ts';
import { type Bindings } from '../env.ts';
import { unseal } from '../../protocol/sealing.ts';
import { openDatabase, type Database } from '../../core/db.ts';
import { newId } from '../../protocol/ids.ts';
import type { Plan, Role } from '../../protocol/enums.ts';

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
  /** Worker settings to change for this one request, e.g. `{ DEFAULT_PLAN: 'team' }`. */
  bindings?: Partial<Bindings>;
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
  const url = `http://localhost${path}`;
  const res = options.bindings
    ? await fetchWithBindings(new Request(url, { method, headers, body }), options.bindings)
    : await SELF.fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if (res.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

let appWithOtherBindings: App | undefined;

/** The Worker's app run in the test itself, so one request can see settings other than the project's bindings. */
async function fetchWithBindings(request: Request, bindings: Partial<Bindings>): Promise<Response> {
  appWithOtherBindings ??= createApp();
  const ctx = createExecutionContext();
  const res = await appWithOtherBindings.fetch(request, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
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

export async function signUp(
  overrides: { email?: string; password?: string; name?: string; org_name?: string } = {},
  options: Pick<CallOptions, 'bindings'> = {},
): Promise<Account> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? 'correct horse battery staple';
  const res = await call('POST', '/v1/auth/register', { body: { ...overrides, email, password }, ...options });
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

/** Runs `fn` against the test catalog on a connection of its own, closed afterwards. */
export async function withCatalog<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const database = openDatabase(parseSettings(env as unknown as Bindings));
  try {
    return await fn(database.db());
  } finally {
    await database.close();
  }
}

export interface OutboxMail {
  subject: string;
  text: string;
}

/** The newest mail to the address, straight from the outbox (bodies are sealed at rest). */
export async function readMail(to: string): Promise<OutboxMail> {
  const [mail] = await withCatalog((db) =>
    db.select().from(mailOutbox).where(eq(mailOutbox.recipient, to)).orderBy(desc(mailOutbox.id)).limit(1),
  );
  if (!mail) throw new Error(`no mail to ${to}`);
  return { subject: mail.subject, text: await unseal((env as unknown as Bindings).ENCRYPTION_KEY, mail.bodyCiphertext) };
}

/** The token of the invitation link in the newest mail to the address. */
export async function invitationToken(to: string): Promise<string> {
  const { text } = await readMail(to);
  const link = text.match(/https?:\/\/\S+/g)?.map((l) => new URL(l)).find((u) => u.pathname === '/invitations/accept');
  const token = link?.searchParams.get('token');
  if (!token) throw new Error(`the newest mail to ${to} has no invitation link`);
  return token;
}

export async function setPlan(orgId: string, plan: Plan): Promise<void> {
  await withCatalog((db) => db.update(organizations).set({ plan }).where(eq(organizations.id, orgId)));
}

/** A new account that joined `orgId` with `role` through a mailed invitation sent by `inviter`. */
export async function joinOrg(inviter: Account, orgId: string, role: Role): Promise<Account> {
  const member = await signUp();
  const invited = await call('POST', `/v1/organizations/${orgId}/invitations`, { token: inviter.token, body: { email: member.email, role } });
  if (invited.status !== 201) throw new Error(`invitation failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  const accepted = await call('POST', '/v1/invitations/accept', { token: member.token, body: { token: await invitationToken(member.email) } });
  if (accepted.status !== 200) throw new Error(`accepting failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return member;
}

/** Plants a cluster row (with an org-owned region for it) the way the cluster routes would leave one. */
export async function seedCluster(orgId: string, projectId: string, options: { deleted?: boolean } = {}): Promise<string> {
  const id = newId('cl');
  await withCatalog(async (db) => {
    const regionId = newId('rg');
    await db.insert(regions).values({ id: regionId, orgId, name: `test-${regionId}`, provider: 'test', driver: 'local', visibility: 'org' });
    await db.insert(clusters).values({
      id,
      orgId,
      projectId,
      regionId,
      name: `cluster-${id.slice(-6)}`,
      engine: 'postgres',
      version: '17',
      tier: 'dedicated',
      size: 'dev',
      instances: 1,
      storageGb: 10,
      status: options.deleted ? 'deleted' : 'running',
      deletedAt: options.deleted ? new Date() : null,
    });
  });
  return id;
}
