import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../../../drizzle/schema.ts';
import { call, errorCode, joinOrg, setPlan, signUp, withCatalog } from '../../../test/harness.ts';

const create = (token: string, body: unknown) => call('POST', '/v1/projects', { token, body });

describe('POST /v1/projects', () => {
  it('creates a project in the session organization, or the named one, and audits it', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'pro');
    const res = await create(ada.token, { name: '  analytics ' });
    expect(res.status).toBe(201);
    expect(res.body.project).toEqual({
      id: expect.stringMatching(/^prj_/),
      org_id: ada.orgId,
      name: 'analytics',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const audited = await withCatalog((db) =>
      db.select().from(auditLog).where(and(eq(auditLog.targetId, res.body.project.id), eq(auditLog.action, 'project.created'))),
    );
    expect(audited).toEqual([expect.objectContaining({ orgId: ada.orgId, actorId: ada.userId })]);

    const second = await call('POST', '/v1/organizations', { token: ada.token, body: { name: 'Second' } });
    const secondOrg = second.body.organization.id;
    await setPlan(secondOrg, 'pro');
    const named = await create(ada.token, { name: 'analytics', org_id: secondOrg });
    expect(named.status).toBe(201);
    expect(named.body.project.org_id).toBe(secondOrg);
  });

  it('enforces the plan quota with 422, and lifts it with the plan', async () => {
    const ada = await signUp();
    const free = await create(ada.token, { name: 'second' });
    expect([free.status, errorCode(free)]).toEqual([422, 'quota_exceeded']);
    expect(free.body.error.message).toMatch(/free plan allows 1 project\b/);

    await setPlan(ada.orgId, 'pro');
    for (let i = 2; i <= 5; i++) expect((await create(ada.token, { name: `p${i}` })).status).toBe(201);
    const pro = await create(ada.token, { name: 'p6' });
    expect([pro.status, errorCode(pro)]).toEqual([422, 'quota_exceeded']);
    expect(pro.body.error.message).toMatch(/pro plan allows 5 projects/);

    await setPlan(ada.orgId, 'enterprise');
    expect((await create(ada.token, { name: 'p6' })).status).toBe(201);
  });

  it('refuses a name the organization already uses with 409', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'pro');
    const res = await create(ada.token, { name: 'default' });
    expect([res.status, errorCode(res)]).toEqual([409, 'conflict']);
  });

  it('lets admins and developers create projects', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'team');
    for (const role of ['admin', 'developer'] as const) {
      const member = await joinOrg(ada, ada.orgId, role);
      const res = await create(member.token, { name: `by-${role}`, org_id: ada.orgId });
      expect([role, res.status]).toEqual([role, 201]);
    }
  });

  it('answers 404 for an organization that does not exist', async () => {
    const eve = await signUp();
    const unknown = await create(eve.token, { name: 'intruder', org_id: 'org_00000000000000000000000000' });
    expect([unknown.status, errorCode(unknown)]).toEqual([404, 'not_found']);
  });

  it('answers malformed bodies with 400', async () => {
    const ada = await signUp();
    const bodies: unknown[] = [
      {},
      { name: '' },
      { name: 'x'.repeat(65) },
      { name: 7 },
      { name: 'nul\u0000byte' },
      { name: 'ok', org_id: 'x'.repeat(65) },
      { name: 'ok', org_id: 'org\u0000' },
      { name: 'ok', plan: 'pro' },
    ];
    for (const body of bodies) {
      const res = await create(ada.token, body);
      expect([JSON.stringify(body), res.status, errorCode(res)]).toEqual([JSON.stringify(body), 400, 'validation_failed']);
    }
  });
});
