// The security cases every route shares, from one table (the idea of unkey's runCommonRouteTests). Each entry
// says how to aim the operation's sample request (openapi/request-samples.ts) at an organization's own resources,
// which permissions it takes (core/identity/rbac.ts) and which body field its schema refuses;
// workers/routes/route-security.test.ts runs the same cases over every entry and fails when the table and the
// OpenAPI document disagree on which operations need a user or an agent. The route's own test file keeps its
// happy paths and the error cases only it has.
import { env } from 'cloudflare:test';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { eq } from 'drizzle-orm';
import { apiKeys, auditLog, backups, regions, webhookDeliveries } from '../../drizzle/schema.ts';
import { ID_PATTERN, newId } from '../../protocol/ids.ts';
import { can, type Permission } from '../../core/identity/rbac.ts';
import { QUERY_AUDIT_ACTION } from '../../core/clusters/sql-queries.ts';
import { signAgentCredential } from '../../core/identity/tokens.ts';
import { roles, type Role } from '../../protocol/enums.ts';
import type { Bindings } from '../env.ts';
import { REQUEST_SAMPLES, sampleUrl, type RequestSample } from '../openapi/request-samples.ts';
import { createCluster, report, seedRegion } from './clusters.ts';
import { call, joinOrg, signUp, withCatalog, type Account, type ApiResponse } from './harness.ts';

/** What an organization of the test world holds, by id. */
export interface OrgIds {
  orgId: string;
  projectId: string;
  regionId: string;
  clusterId: string;
  operationId: string;
  /** A completed backup of the cluster. */
  backupId: string;
  /** The owner's user id: the member the membership routes act on, never one of the refused callers. */
  ownerId: string;
  /** A statement the owner sent to the cluster moments ago (its audit row), for DELETE /v1/queries/{id}. */
  queryId: string;
  /** An API key the owner made. */
  apiKeyId: string;
  /** A webhook endpoint the owner made, and a finished delivery of it. */
  webhookId: string;
  webhookDeliveryId: string;
}

export interface BearerRoute {
  /** "METHOD /path" as the OpenAPI document and REQUEST_SAMPLES write it. */
  operation: string;
  /** The parts of the sample request that name an organization's resources; null for routes about the caller alone. */
  target: ((org: OrgIds) => RequestSample) | null;
  /** What the caller's role must allow in the target's organization; empty when any member may call the route. */
  permissions: readonly Permission[];
  /** A body field and a value its schema refuses, for operations that take a JSON body. */
  invalid?: { field: string; value: unknown };
  /** Headers without which the route answers before its checks (WebSocket endpoints: 426). */
  headers?: Record<string, string>;
}

export interface AgentRoute {
  operation: string;
  headers?: Record<string, string>;
}

const UPGRADE = { upgrade: 'websocket' };
const org = (o: OrgIds) => ({ path: { org_id: o.orgId } });
const member = (o: OrgIds) => ({ path: { org_id: o.orgId, user_id: o.ownerId } });
const named = (o: OrgIds) => ({ query: { org_id: o.orgId } });
const project = (o: OrgIds) => ({ path: { id: o.projectId } });
const region = (o: OrgIds) => ({ path: { id: o.regionId } });
const cluster = (o: OrgIds) => ({ path: { id: o.clusterId } });
const apiKey = (o: OrgIds) => ({ path: { id: o.apiKeyId } });
const webhook = (o: OrgIds) => ({ path: { id: o.webhookId } });

export const BEARER_ROUTES: BearerRoute[] = [
  // About the caller's own account: no organization is named, and every signed-in user may call them.
  { operation: 'GET /v1/auth/me', target: null, permissions: [] },
  { operation: 'POST /v1/auth/password', target: null, permissions: [], invalid: { field: 'new_password', value: 'short' } },
  { operation: 'POST /v1/auth/verify-email/resend', target: null, permissions: [] },
  { operation: 'GET /v1/organizations', target: null, permissions: [] },
  { operation: 'POST /v1/organizations', target: null, permissions: [], invalid: { field: 'name', value: '' } },
  // The invitation's token names the organization; a token mailed to someone else is 403 (invitations/accept.test.ts).
  { operation: 'POST /v1/invitations/accept', target: null, permissions: [], invalid: { field: 'token', value: 'short' } },

  { operation: 'GET /v1/organizations/{org_id}', target: org, permissions: ['org:read'] },
  { operation: 'PATCH /v1/organizations/{org_id}', target: org, permissions: ['org:update'], invalid: { field: 'slug', value: 'Has Spaces' } },
  { operation: 'DELETE /v1/organizations/{org_id}', target: org, permissions: ['org:delete'] },
  { operation: 'GET /v1/organizations/{org_id}/summary', target: org, permissions: ['clusters:read'] },
  { operation: 'GET /v1/organizations/{org_id}/members', target: org, permissions: ['members:read'] },
  {
    operation: 'PATCH /v1/organizations/{org_id}/members/{user_id}',
    target: member,
    permissions: ['members:manage'],
    invalid: { field: 'role', value: 'superuser' },
  },
  { operation: 'DELETE /v1/organizations/{org_id}/members/{user_id}', target: member, permissions: ['members:manage'] },
  { operation: 'POST /v1/organizations/{org_id}/invitations', target: org, permissions: ['members:manage'], invalid: { field: 'role', value: 'god' } },
  { operation: 'GET /v1/organizations/{org_id}/invitations', target: org, permissions: ['members:manage'] },

  { operation: 'GET /v1/projects', target: named, permissions: ['projects:read'] },
  { operation: 'POST /v1/projects', target: (o) => ({ body: { org_id: o.orgId } }), permissions: ['projects:write'], invalid: { field: 'name', value: '' } },
  { operation: 'GET /v1/projects/{id}', target: project, permissions: ['projects:read'] },
  { operation: 'PATCH /v1/projects/{id}', target: project, permissions: ['projects:write'], invalid: { field: 'name', value: '' } },
  { operation: 'DELETE /v1/projects/{id}', target: project, permissions: ['projects:delete'] },

  { operation: 'GET /v1/api-keys', target: named, permissions: ['api_keys:manage'] },
  {
    operation: 'POST /v1/api-keys',
    target: (o) => ({ body: { org_id: o.orgId, project_id: o.projectId } }),
    permissions: ['api_keys:manage'],
    invalid: { field: 'name', value: '' },
  },
  { operation: 'GET /v1/api-keys/{id}', target: apiKey, permissions: ['api_keys:manage'] },
  { operation: 'DELETE /v1/api-keys/{id}', target: apiKey, permissions: ['api_keys:manage'] },
  { operation: 'POST /v1/api-keys/{id}/rotate', target: apiKey, permissions: ['api_keys:manage'], invalid: { field: 'grace_seconds', value: 604_801 } },

  { operation: 'GET /v1/webhooks', target: named, permissions: ['webhooks:manage'] },
  { operation: 'POST /v1/webhooks', target: (o) => ({ body: { org_id: o.orgId } }), permissions: ['webhooks:manage'], invalid: { field: 'url', value: 'not a url' } },
  { operation: 'GET /v1/webhooks/{id}', target: webhook, permissions: ['webhooks:manage'] },
  { operation: 'PATCH /v1/webhooks/{id}', target: webhook, permissions: ['webhooks:manage'], invalid: { field: 'url', value: 'not a url' } },
  { operation: 'DELETE /v1/webhooks/{id}', target: webhook, permissions: ['webhooks:manage'] },
  { operation: 'GET /v1/webhooks/{id}/deliveries', target: webhook, permissions: ['webhooks:manage'] },
  { operation: 'POST /v1/webhooks/{id}/test', target: webhook, permissions: ['webhooks:manage'] },
  { operation: 'POST /v1/webhooks/{id}/rotate-secret', target: webhook, permissions: ['webhooks:manage'] },
  {
    operation: 'POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver',
    target: (o) => ({ path: { id: o.webhookId, delivery_id: o.webhookDeliveryId } }),
    permissions: ['webhooks:manage'],
  },

  { operation: 'GET /v1/realtime', target: named, permissions: ['org:read'], headers: UPGRADE },

  { operation: 'GET /v1/regions', target: named, permissions: ['org:read'] },
  { operation: 'POST /v1/regions', target: (o) => ({ body: { org_id: o.orgId } }), permissions: ['regions:manage'], invalid: { field: 'driver', value: 'docker' } },
  // Any member reads the organization's regions (and anyone the shared ones).
  { operation: 'GET /v1/regions/{id}', target: region, permissions: [] },
  { operation: 'DELETE /v1/regions/{id}', target: region, permissions: ['regions:manage'] },
  { operation: 'POST /v1/regions/{id}/registration-token', target: region, permissions: ['regions:manage'] },

  {
    operation: 'GET /v1/clusters',
    target: (o) => ({ query: { org_id: o.orgId, project_id: o.projectId, region_id: o.regionId } }),
    permissions: ['clusters:read'],
  },
  {
    operation: 'POST /v1/clusters',
    target: (o) => ({ body: { project_id: o.projectId, region_id: o.regionId } }),
    permissions: ['clusters:write'],
    invalid: { field: 'size', value: 'huge' },
  },
  { operation: 'GET /v1/clusters/{id}', target: cluster, permissions: ['clusters:read'] },
  { operation: 'PATCH /v1/clusters/{id}', target: cluster, permissions: ['clusters:write'], invalid: { field: 'instances', value: 6 } },
  { operation: 'DELETE /v1/clusters/{id}', target: cluster, permissions: ['clusters:write'] },
  { operation: 'POST /v1/clusters/{id}/sleep', target: cluster, permissions: ['clusters:write'] },
  { operation: 'POST /v1/clusters/{id}/wake', target: cluster, permissions: ['clusters:write'] },
  // The sample asks for the password (reveal=true).
  { operation: 'GET /v1/clusters/{id}/connection', target: cluster, permissions: ['clusters:read', 'clusters:reveal_password'] },
  // The answer carries the new password.
  {
    operation: 'POST /v1/clusters/{id}/password/rotate',
    target: cluster,
    permissions: ['clusters:write', 'clusters:reveal_password'],
    invalid: { field: 'password', value: 'weak' },
  },
  { operation: 'GET /v1/clusters/{id}/events', target: cluster, permissions: ['clusters:read'] },
  { operation: 'GET /v1/clusters/{id}/health', target: cluster, permissions: ['clusters:read'] },

  { operation: 'GET /v1/clusters/{id}/backups', target: cluster, permissions: ['backups:read'] },
  { operation: 'POST /v1/clusters/{id}/backups', target: cluster, permissions: ['backups:write'] },
  { operation: 'GET /v1/backups/{id}', target: (o) => ({ path: { id: o.backupId } }), permissions: ['backups:read'] },
  { operation: 'DELETE /v1/backups/{id}', target: (o) => ({ path: { id: o.backupId } }), permissions: ['backups:write'] },
  {
    operation: 'POST /v1/clusters/{id}/restore',
    target: (o) => ({ path: { id: o.clusterId }, body: { backup_id: o.backupId, preserve: false } }),
    permissions: ['backups:write'],
    invalid: { field: 'target_time', value: 'yesterday' },
  },
  { operation: 'GET /v1/clusters/{id}/restore-window', target: cluster, permissions: ['backups:read'] },
  { operation: 'GET /v1/clusters/{id}/branches', target: cluster, permissions: ['clusters:read'] },

  { operation: 'GET /v1/clusters/{id}/metrics', target: cluster, permissions: ['clusters:read'] },
  { operation: 'GET /v1/clusters/{id}/health/history', target: cluster, permissions: ['clusters:read'] },
  { operation: 'GET /v1/clusters/{id}/logs', target: cluster, permissions: ['clusters:read'] },
  { operation: 'GET /v1/clusters/{id}/schema', target: cluster, permissions: ['clusters:read'] },
  { operation: 'GET /v1/clusters/{id}/insights', target: cluster, permissions: ['clusters:read'] },
  {
    operation: 'POST /v1/clusters/{id}/query',
    target: (o) => ({ path: { id: o.clusterId }, body: { query_id: o.queryId } }),
    permissions: ['clusters:query'],
    invalid: { field: 'timeout_ms', value: 300_001 },
  },
  { operation: 'POST /v1/clusters/{id}/insights/reset', target: cluster, permissions: ['clusters:query'] },
  { operation: 'DELETE /v1/queries/{id}', target: (o) => ({ path: { id: o.queryId } }), permissions: ['clusters:query'] },

  { operation: 'GET /v1/operations', target: (o) => ({ query: { org_id: o.orgId, cluster_id: o.clusterId } }), permissions: ['clusters:read'] },
  { operation: 'GET /v1/operations/{id}', target: (o) => ({ path: { id: o.operationId } }), permissions: ['clusters:read'] },
];

export const AGENT_ROUTES: AgentRoute[] = [
  { operation: 'POST /v1/agent/token' },
  { operation: 'GET /v1/agent/connect', headers: UPGRADE },
];

/** Roles of the target's organization that lack one of the route's permissions. */
export function refusedRoles(route: BearerRoute): Role[] {
  return roles.filter((role) => route.permissions.some((permission) => !can(role, permission)));
}

/** Authorization headers that every route needing a user answers with 401. */
export const BAD_BEARER = [
  'a garbage token',
  'a Basic authorization header',
  'a token signed with another key',
  'an expired token',
  'the token of a signed-out session',
  "a region agent's credential",
  'a malformed API key',
  'an unknown API key',
  'a revoked API key',
  'an expired API key',
] as const;
/** Authorization headers (or none) that every agent route answers with 401. */
export const BAD_AGENT = [
  'no credential',
  'a garbage credential',
  "a user's access token",
  'a credential signed with another key',
  'an expired credential',
  'a credential for the user API audience',
  'the credential of a deleted region',
  'the credential of a region that never existed',
] as const;

export interface SecurityWorld {
  /** Organization A: the callers' own. */
  own: OrgIds;
  /** Organization B: another one, with the same kinds of resources. */
  other: OrgIds;
  /** A member of organization A for each role; the owner also makes the requests aimed at organization B. */
  callers: Record<Role, Account>;
  otherOwner: Account;
  badBearer: Record<(typeof BAD_BEARER)[number], string>;
  badAgent: Record<(typeof BAD_AGENT)[number], string | null>;
  /** The same constructions with the test key, a live expiry and a live session or region: these must pass. */
  control: { bearer: string; agent: string };
}

const bindings = env as unknown as Bindings;
const now = () => Math.floor(Date.now() / 1000);

/** A JWT shaped like the API's own (ES256, its issuer), signed with `key`. */
async function signedJwt(key: JWK, claims: { aud: string; sub: string; exp: number; [claim: string]: unknown }): Promise<string> {
  const { aud, sub, exp, ...rest } = claims;
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid ?? 'default', typ: 'JWT' })
    .setIssuer('orochi-cloud')
    .setAudience(aud)
    .setSubject(sub)
    .setIssuedAt(exp - 900)
    .setExpirationTime(exp)
    .sign(await importJWK(key, 'ES256'));
}

/** The test key, and another ES256 key under the same key id. */
async function signingKeys(): Promise<{ test: JWK; foreign: JWK }> {
  const test = JSON.parse(bindings.JWT_PRIVATE_KEY) as JWK;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { test, foreign: { ...(await exportJWK(privateKey)), kid: test.kid } };
}

/** An organization with an owner, a region, a running cluster (with an endpoint) and the operation that created it. */
async function seedOrg(): Promise<{ owner: Account; ids: OrgIds }> {
  const owner = await signUp();
  const regionId = await seedRegion(owner.orgId);
  const created = await createCluster(owner, regionId);
  if (created.status !== 202) throw new Error(`cluster creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  // Running with an endpoint, so the connection route gets as far as its password check.
  await report(regionId, created.body.cluster.id, { phase: 'running' });
  const backupId = newId('bk');
  const queryId = newId('qr');
  await withCatalog(async (db) => {
    await db.insert(backups).values({ id: backupId, orgId: owner.orgId, clusterId: created.body.cluster.id, kind: 'scheduled', status: 'completed', startedAt: new Date(), finishedAt: new Date() });
    // As POST /v1/clusters/{id}/query leaves it; sending the statement itself needs a connected agent.
    await db.insert(auditLog).values({
      id: newId('aud'),
      orgId: owner.orgId,
      actorType: 'user',
      actorId: owner.userId,
      action: QUERY_AUDIT_ACTION,
      targetType: 'cluster',
      targetId: created.body.cluster.id,
      metadata: { query_id: queryId },
    });
  });
  const key = await call('POST', '/v1/api-keys', { token: owner.token, body: { name: 'ci', role: 'admin' } });
  if (key.status !== 201) throw new Error(`API key creation failed: ${key.status} ${JSON.stringify(key.body)}`);
  // Nothing listens on the discard port: a test ping the checks let through fails there and is retried, harmlessly.
  const hook = await call('POST', '/v1/webhooks', { token: owner.token, body: { url: 'http://127.0.0.1:9/hook' } });
  if (hook.status !== 201) throw new Error(`webhook creation failed: ${hook.status} ${JSON.stringify(hook.body)}`);
  const webhookDeliveryId = newId('whd');
  await withCatalog((db) =>
    db.insert(webhookDeliveries).values({
      id: webhookDeliveryId,
      endpointId: hook.body.webhook.id,
      orgId: owner.orgId,
      messageId: newId('msg'),
      eventType: 'webhook.test',
      payload: '{}',
      status: 'succeeded',
      attempts: 1,
      responseStatus: 200,
    }),
  );
  return {
    owner,
    ids: {
      orgId: owner.orgId,
      projectId: owner.projectId,
      regionId,
      clusterId: created.body.cluster.id,
      operationId: created.body.operation.id,
      backupId,
      ownerId: owner.userId,
      queryId,
      apiKeyId: key.body.api_key.id,
      webhookId: hook.body.webhook.id,
      webhookDeliveryId,
    },
  };
}

/** A key of the owner's that no longer works: revoked, or past its expiry. */
async function deadApiKey(owner: Account, how: 'revoked' | 'expired'): Promise<string> {
  const created = await call('POST', '/v1/api-keys', { token: owner.token, body: { name: how, role: 'admin' } });
  if (created.status !== 201) throw new Error(`API key creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  const id: string = created.body.api_key.id;
  if (how === 'revoked') await call('DELETE', `/v1/api-keys/${id}`, { token: owner.token });
  else await withCatalog((db) => db.update(apiKeys).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(apiKeys.id, id)));
  return created.body.secret;
}

/** An access token of a session that has since been signed out. */
async function signedOutToken(account: Account): Promise<string> {
  const login = await call('POST', '/v1/auth/login', { body: { email: account.email, password: account.password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  const logout = await call('POST', '/v1/auth/logout', { token: login.body.access_token, body: { refresh_token: login.body.refresh_token } });
  if (logout.status !== 204) throw new Error(`logout failed: ${logout.status} ${JSON.stringify(logout.body)}`);
  return login.body.access_token;
}

async function deletedRegionId(orgId: string): Promise<string> {
  const id = newId('rg');
  await withCatalog((db) =>
    db.insert(regions).values({ id, orgId, name: `gone-${id.slice(-8)}`, provider: 'test', driver: 'local', visibility: 'org', revokedAt: new Date() }),
  );
  return id;
}

export async function seedSecurityWorld(): Promise<SecurityWorld> {
  const [a, b] = await Promise.all([seedOrg(), seedOrg()]);
  const join = (role: Role) => joinOrg(a.owner, a.ids.orgId, role);
  const [admin, developer, viewer, billing] = await Promise.all([join('admin'), join('developer'), join('viewer'), join('billing')]);
  const keys = await signingKeys();
  // The owner's own claims, session included, so only the signature or the expiry is wrong.
  const claims = decodeJwt(a.owner.token);
  const userClaims = { aud: 'orochi-api', sub: a.owner.userId, org: claims.org, sid: claims.sid };
  const agentCredential = (await signAgentCredential(bindings.JWT_PRIVATE_KEY, a.ids.regionId)).credential;
  const agentClaims = { aud: 'orochi-agent', sub: a.ids.regionId };
  return {
    own: a.ids,
    other: b.ids,
    callers: { owner: a.owner, admin, developer, viewer, billing },
    otherOwner: b.owner,
    badBearer: {
      'a garbage token': 'Bearer not-a-jwt',
      'a Basic authorization header': 'Basic dXNlcjpwYXNz',
      'a token signed with another key': `Bearer ${await signedJwt(keys.foreign, { ...userClaims, exp: now() + 600 })}`,
      'an expired token': `Bearer ${await signedJwt(keys.test, { ...userClaims, exp: now() - 60 })}`,
      'the token of a signed-out session': `Bearer ${await signedOutToken(a.owner)}`,
      "a region agent's credential": `Bearer ${agentCredential}`,
      'a malformed API key': 'Bearer oro_short',
      'an unknown API key': `Bearer oro_00000000_${'A'.repeat(43)}`,
      'a revoked API key': `Bearer ${await deadApiKey(a.owner, 'revoked')}`,
      'an expired API key': `Bearer ${await deadApiKey(a.owner, 'expired')}`,
    },
    badAgent: {
      'no credential': null,
      'a garbage credential': 'Bearer not-a-jwt',
      "a user's access token": `Bearer ${a.owner.token}`,
      'a credential signed with another key': `Bearer ${await signedJwt(keys.foreign, { ...agentClaims, exp: now() + 600 })}`,
      'an expired credential': `Bearer ${await signedJwt(keys.test, { ...agentClaims, exp: now() - 60 })}`,
      'a credential for the user API audience': `Bearer ${await signedJwt(keys.test, { ...agentClaims, aud: 'orochi-api', exp: now() + 600 })}`,
      'the credential of a deleted region': `Bearer ${(await signAgentCredential(bindings.JWT_PRIVATE_KEY, await deletedRegionId(a.ids.orgId))).credential}`,
      'the credential of a region that never existed': `Bearer ${(await signAgentCredential(bindings.JWT_PRIVATE_KEY, newId('rg'))).credential}`,
    },
    control: {
      bearer: `Bearer ${await signedJwt(keys.test, { ...userClaims, exp: now() + 600 })}`,
      agent: `Bearer ${await signedJwt(keys.test, { ...agentClaims, exp: now() + 600 })}`,
    },
  };
}

function worldIds(world: SecurityWorld): Set<string> {
  return new Set([world.own, world.other].flatMap((o) => Object.values(o)));
}

/**
 * The operation's sample request aimed at `org` (null: the sample as it is). Every id it carries must be one of
 * the world's, so a 404 can only come from the organization, never from an id the sample made up.
 */
export function aimedRequest(operation: string, target: BearerRoute['target'], org: OrgIds | null, world: SecurityWorld) {
  const sample = REQUEST_SAMPLES[operation];
  if (!sample) throw new Error(`request-samples.ts has no sample for ${operation}`);
  const aimed = target && org ? target(org) : {};
  const request: RequestSample = {
    path: { ...sample.path, ...aimed.path },
    query: { ...sample.query, ...aimed.query },
    body: sample.body === undefined && aimed.body === undefined ? undefined : { ...(sample.body as object), ...(aimed.body as object) },
  };
  const known = worldIds(world);
  const values = [...Object.values(request.path ?? {}), ...Object.values(request.query ?? {}), ...Object.values(request.body ?? {})];
  const foreign = values.filter((v) => typeof v === 'string' && ID_PATTERN.test(v) && !known.has(v));
  if (foreign.length > 0) throw new Error(`${operation}: the request names ids of no seeded resource: ${foreign.join(', ')}`);
  const template = operation.slice(operation.indexOf(' ') + 1);
  return { method: operation.slice(0, operation.indexOf(' ')), url: sampleUrl(template, request), body: request.body };
}

/** Sends the operation's request with exactly these headers (an `authorization` among them, or none). */
export function send(request: ReturnType<typeof aimedRequest>, headers: Record<string, string>, body: unknown = request.body): Promise<ApiResponse> {
  return call(request.method, request.url, { headers, body });
}
