import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiKeys, auditLog } from '../../../../drizzle/schema.ts';
import { call, errorCode, joinOrg, signUp, withCatalog } from '../../../test/harness.ts';

describe('POST /v1/api-keys', () => {
  it('creates a key with a role and shows its secret once; the catalog keeps only its hash', async () => {
    const ada = await signUp();
    const res = await call('POST', '/v1/api-keys', { token: ada.token, body: { name: 'CI deploys', role: 'developer' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { api_key: key, secret } = res.body;
    expect(secret).toMatch(/^oro_[0-9a-z]{8}_[0-9A-Za-z]{43}$/);
    expect(key).toMatchObject({
      org_id: ada.orgId,
      project_id: null,
      name: 'CI deploys',
      prefix: secret.slice(0, 12),
      role: 'developer',
      status: 'active',
      created_by: { id: ada.userId, email: ada.email },
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
      last_used_ip: null,
      previous_secret_expires_at: null,
    });
    expect(key.permissions).toEqual(expect.arrayContaining(['clusters:write', 'clusters:query']));
    expect(key.permissions).not.toContain('members:manage');
    expect(JSON.stringify(key)).not.toMatch(/hash/);
    const [row] = await withCatalog((db) => db.select().from(apiKeys).where(eq(apiKeys.id, key.id)));
    expect(JSON.stringify(row)).not.toContain(secret);
    const [entry] = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.targetId, key.id)));
    expect(entry).toMatchObject({ action: 'api_key.created', actorType: 'user', actorId: ada.userId, orgId: ada.orgId });
    expect(JSON.stringify(entry!.metadata)).not.toContain(secret);
    // Listed and fetched without the secret.
    const got = await call('GET', `/v1/api-keys/${key.id}`, { token: ada.token });
    expect([got.status, got.body.api_key]).toEqual([200, key]);
    expect(JSON.stringify((await call('GET', '/v1/api-keys', { token: ada.token })).body)).not.toContain(secret);
  });

  it('creates a project key with an explicit permission list and an expiry', async () => {
    const ada = await signUp();
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const res = await call('POST', '/v1/api-keys', {
      token: ada.token,
      body: { name: 'reader', project_id: ada.projectId, permissions: ['clusters:read', 'projects:read', 'clusters:read'], expires_at: expires },
    });
    expect(res.status).toBe(201);
    expect(res.body.api_key).toMatchObject({ project_id: ada.projectId, role: null, permissions: ['clusters:read', 'projects:read'], expires_at: expires });
  });

  it('never grants more than the creator holds, nor owner', async () => {
    const ada = await signUp();
    const admin = await joinOrg(ada, ada.orgId, 'admin');
    const refused = async (token: string, body: object, message: string) => {
      const res = await call('POST', '/v1/api-keys', { token, body: { name: 'k', org_id: ada.orgId, ...body } });
      expect([res.status, errorCode(res), res.body.error.message]).toEqual([403, 'forbidden', message]);
    };
    await refused(ada.token, { role: 'owner' }, 'An API key cannot have the owner role');
    await refused(admin.token, { role: 'billing' }, "A key's role cannot exceed your own (admin)");
    await refused(admin.token, { permissions: ['clusters:read', 'org:delete', 'billing:write'] }, 'Your role (admin) does not hold org:delete, billing:write');
    expect((await call('POST', '/v1/api-keys', { token: admin.token, body: { name: 'k', org_id: ada.orgId, role: 'admin' } })).status).toBe(201);
    expect((await call('POST', '/v1/api-keys', { token: ada.token, body: { name: 'k', role: 'billing' } })).status).toBe(201);
  });

  it('refuses members who may not manage keys, and another org’s project as missing', async () => {
    const ada = await signUp();
    const eve = await signUp();
    for (const role of ['developer', 'viewer', 'billing'] as const) {
      const member = await joinOrg(ada, ada.orgId, role);
      const res = await call('POST', '/v1/api-keys', { token: member.token, body: { name: 'k', org_id: ada.orgId, permissions: ['org:read'] } });
      expect([role, res.status, errorCode(res)]).toEqual([role, 403, 'forbidden']);
    }
    const res = await call('POST', '/v1/api-keys', { token: ada.token, body: { name: 'k', role: 'viewer', project_id: eve.projectId } });
    expect([res.status, res.body.error.message]).toEqual([404, 'Project not found']);
  });

  it('validates the body: one of role and permissions, known permissions, a future expiry', async () => {
    const ada = await signUp();
    const invalid = async (body: object, path: string) => {
      const res = await call('POST', '/v1/api-keys', { token: ada.token, body: { name: 'k', ...body } });
      expect([res.status, errorCode(res)], JSON.stringify(res.body)).toEqual([400, 'validation_failed']);
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    };
    await invalid({}, 'role');
    await invalid({ role: 'viewer', permissions: ['org:read'] }, 'role');
    await invalid({ permissions: [] }, 'permissions');
    await invalid({ permissions: ['root'] }, 'permissions.0');
    await invalid({ role: 'viewer', expires_at: 'tomorrow' }, 'expires_at');
    await invalid({ role: 'viewer', expires_at: new Date(Date.now() - 1000).toISOString() }, 'expires_at');
    await invalid({ role: 'viewer', name: '' }, 'name');
  });
});
