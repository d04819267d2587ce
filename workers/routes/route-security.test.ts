// The security cases of every route that needs a caller, run from one table (workers/test/route-security.ts)
// rather than copied into each route's tests: no credentials and bad ones are 401 in the error shape, another
// organization's resources 404 (never 403, never 200), a role without the permission 403, a body its schema
// refuses 400 validation_failed with details. An operation of the OpenAPI document that needs a user or an
// agent and has no entry in the table fails here, and so does an entry for an operation the document lacks.
import { beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_INFO, createApp } from '../app.ts';
import { call, errorCode, type Account, type ApiResponse } from '../test/harness.ts';
import {
  AGENT_ROUTES,
  BAD_AGENT,
  BAD_BEARER,
  BEARER_ROUTES,
  aimedRequest,
  refusedRoles,
  seedSecurityWorld,
  send,
  type OrgIds,
  type SecurityWorld,
} from '../test/route-security.ts';

interface DocumentOperation {
  security?: Array<Record<string, string[]>>;
  requestBody?: unknown;
}

// The document the Worker serves at /v1/openapi.json, built in-process so the cases can be listed from it.
const document = createApp().getOpenAPI31Document(OPENAPI_INFO) as unknown as { paths: Record<string, Record<string, DocumentOperation>> };
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, ...operation })),
);
const needing = (scheme: string) => operations.filter((o) => o.security?.some((s) => scheme in s)).map((o) => o.key);
// An operation whose security also lists `{}` takes no credentials at all: the realtime socket, which then
// authenticates with an `auth` message (realtime.test.ts covers that path).
const anonymousAllowed = new Set(operations.filter((o) => o.security?.some((s) => Object.keys(s).length === 0)).map((o) => o.key));

let world: SecurityWorld;
let before: Awaited<ReturnType<typeof orgState>>[];

const bearer = (account: Account) => ({ authorization: `Bearer ${account.token}` });

function expectError(res: ApiResponse, status: number, code: string) {
  expect([res.status, errorCode(res)], JSON.stringify(res.body)).toEqual([status, code]);
}

/** What the refused requests must not have changed in an organization, read by its owner. */
async function orgState(owner: Account, ids: OrgIds) {
  const get = async (path: string) => {
    const res = await call('GET', path, { token: owner.token });
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body;
  };
  const [org, project, region, cluster, members, invitations, operations, apiKeys, webhooks] = await Promise.all([
    get(`/v1/organizations/${ids.orgId}`),
    get(`/v1/projects/${ids.projectId}`),
    get(`/v1/regions/${ids.regionId}`),
    get(`/v1/clusters/${ids.clusterId}`),
    get(`/v1/organizations/${ids.orgId}/members?limit=100`),
    get(`/v1/organizations/${ids.orgId}/invitations?limit=100`),
    get(`/v1/operations?org_id=${ids.orgId}&limit=100`),
    get(`/v1/api-keys?org_id=${ids.orgId}&limit=100`),
    get(`/v1/webhooks?org_id=${ids.orgId}&limit=100`),
  ]);
  const { id, name, slug, plan } = org.organization;
  return {
    organization: { id, name, slug, plan },
    project: project.project,
    region: { id: region.region.id, name: region.region.name },
    cluster: { status: cluster.cluster.status, generation: cluster.cluster.generation, size: cluster.cluster.size, instances: cluster.cluster.instances },
    members: members.data.map((m: { user: { id: string }; role: string }) => [m.user.id, m.role]),
    invitations: invitations.data.map((i: { id: string }) => i.id),
    operations: operations.data.map((o: { id: string; action: string; status: string }) => [o.id, o.action, o.status]),
    apiKeys: apiKeys.data.map((k: { id: string; status: string; previous_secret_expires_at: string | null }) => [k.id, k.status, k.previous_secret_expires_at]),
    webhooks: webhooks.data.map((w: { id: string; url: string; enabled: boolean; event_types: string[]; updated_at: string }) => [w.id, w.url, w.enabled, w.event_types, w.updated_at]),
  };
}

const states = () => Promise.all([orgState(world.callers.owner, world.own), orgState(world.otherOwner, world.other)]);

beforeAll(async () => {
  world = await seedSecurityWorld();
  before = await states();
}, 60_000);

describe('the route-security table', () => {
  it('has an entry for every operation of the OpenAPI document that needs a user or an agent, and no other', () => {
    const bearerRoutes = BEARER_ROUTES.map((r) => r.operation);
    const agentRoutes = AGENT_ROUTES.map((r) => r.operation);
    expect(needing('bearer').filter((k) => !bearerRoutes.includes(k)), 'bearer operations missing from the table').toEqual([]);
    expect(bearerRoutes.filter((k) => !needing('bearer').includes(k)), 'table entries of no bearer operation').toEqual([]);
    expect(needing('agent').filter((k) => !agentRoutes.includes(k)), 'agent operations missing from the table').toEqual([]);
    expect(agentRoutes.filter((k) => !needing('agent').includes(k)), 'table entries of no agent operation').toEqual([]);
    expect(new Set(bearerRoutes).size, 'an operation listed twice').toBe(bearerRoutes.length);
  });

  it('breaks a body field of exactly the operations that take a JSON body', () => {
    const withBody = new Set(operations.filter((o) => o.requestBody !== undefined).map((o) => o.key));
    expect(BEARER_ROUTES.filter((r) => withBody.has(r.operation) !== (r.invalid !== undefined)).map((r) => r.operation)).toEqual([]);
  });

  it('uses bad credentials that fail only for what is wrong with them: the same constructions done right pass', async () => {
    expect((await call('GET', '/v1/auth/me', { headers: { authorization: world.control.bearer } })).status).toBe(200);
    expect((await call('POST', '/v1/agent/token', { headers: { authorization: world.control.agent } })).status).toBe(200);
  });
});

describe.each(BEARER_ROUTES)('$operation', (route) => {
  const own = () => aimedRequest(route.operation, route.target, world.own, world);

  if (!anonymousAllowed.has(route.operation)) {
    it('answers 401 in the error shape without credentials', async () => {
      const res = await send(own(), { ...route.headers });
      expectError(res, 401, 'unauthorized');
      expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
    });
  }

  it.each(BAD_BEARER)('answers 401 to %s', async (kind) => {
    expectError(await send(own(), { ...route.headers, authorization: world.badBearer[kind] }), 401, 'unauthorized');
  });

  if (route.target) {
    it("answers 404 for another organization's resources, even to an owner", async () => {
      const request = aimedRequest(route.operation, route.target, world.other, world);
      expectError(await send(request, { ...route.headers, ...bearer(world.callers.owner) }), 404, 'not_found');
    });
  }

  const refused = refusedRoles(route);
  if (refused.length > 0) {
    it.each(refused)('refuses a member with the %s role with 403', async (role) => {
      expectError(await send(own(), { ...route.headers, ...bearer(world.callers[role]) }), 403, 'forbidden');
    });
  }

  const invalid = route.invalid;
  if (invalid) {
    it(`answers 400 validation_failed naming ${invalid.field} when its value is refused`, async () => {
      const request = own();
      const res = await send(request, bearer(world.callers.owner), { ...(request.body as object), [invalid.field]: invalid.value });
      expectError(res, 400, 'validation_failed');
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: invalid.field })]));
    });
  }
});

describe.each(AGENT_ROUTES)('$operation', (route) => {
  it.each(BAD_AGENT)('answers 401 in the error shape to %s', async (kind) => {
    const request = aimedRequest(route.operation, null, null, world);
    const authorization = world.badAgent[kind];
    const res = await send(request, { ...route.headers, ...(authorization ? { authorization } : {}) });
    expectError(res, 401, 'unauthorized');
    expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
  });
});

describe('after every refused request', () => {
  it('both organizations are as they were', async () => {
    expect(await states()).toEqual(before);
  });
});
