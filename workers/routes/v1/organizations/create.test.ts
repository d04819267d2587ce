import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../../../drizzle/schema.ts';
import { call, errorCode, signUp, withCatalog } from '../../../test/harness.ts';

describe('POST /v1/organizations', () => {
  it('creates an organization owned by the caller, with a default project, and audits it', async () => {
    const ada = await signUp();
    const res = await call('POST', '/v1/organizations', { token: ada.token, body: { name: '  Research Lab ' } });
    expect(res.status).toBe(201);
    const org = res.body.organization;
    expect(org).toMatchObject({ name: 'Research Lab', plan: 'free', role: 'owner' });
    expect(org.id).toMatch(/^org_/);
    expect(org.slug).toMatch(/^research-lab-[a-z0-9]{6}$/);

    const projects = await call('GET', `/v1/projects?org_id=${org.id}`, { token: ada.token });
    expect(projects.body.data).toEqual([expect.objectContaining({ name: 'default', org_id: org.id })]);
    const members = await call('GET', `/v1/organizations/${org.id}/members`, { token: ada.token });
    expect(members.body.data).toEqual([expect.objectContaining({ user: expect.objectContaining({ id: ada.userId }), role: 'owner' })]);

    const audited = await withCatalog((db) =>
      db.select().from(auditLog).where(and(eq(auditLog.orgId, org.id), eq(auditLog.action, 'organization.created'))),
    );
    expect(audited).toEqual([expect.objectContaining({ actorId: ada.userId, targetId: org.id })]);
  });

  it('starts the organization on the DEFAULT_PLAN setting', async () => {
    const ada = await signUp();
    const res = await call('POST', '/v1/organizations', { token: ada.token, body: { name: 'Lab' }, bindings: { DEFAULT_PLAN: 'pro' } });
    expect(res.status).toBe(201);
    expect(res.body.organization.plan).toBe('pro');
  });

  it('takes a chosen slug, and refuses one that is taken with 409', async () => {
    const ada = await signUp();
    const bob = await signUp();
    const slug = `lab-${Date.now().toString(36)}`;
    const first = await call('POST', '/v1/organizations', { token: ada.token, body: { name: 'Lab', slug } });
    expect(first.status).toBe(201);
    expect(first.body.organization.slug).toBe(slug);
    const taken = await call('POST', '/v1/organizations', { token: bob.token, body: { name: 'Other lab', slug } });
    expect([taken.status, errorCode(taken)]).toEqual([409, 'conflict']);
  });

  it('answers malformed bodies with 400', async () => {
    const ada = await signUp();
    const bodies: unknown[] = [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(101) },
      { name: 'nul\u0000byte' },
      { name: 'two\nlines' },
      { name: 'Lab', slug: 'Has Spaces' },
      { name: 'Lab', slug: '-edge-' },
      { name: 'Lab', slug: 'ab' },
      { name: 'Lab', plan: 'enterprise' },
      { name: 42 },
      ['Lab'],
    ];
    for (const body of bodies) {
      const res = await call('POST', '/v1/organizations', { token: ada.token, body });
      expect([JSON.stringify(body), res.status, errorCode(res)]).toEqual([JSON.stringify(body), 400, 'validation_failed']);
    }
    const notJson = await call('POST', '/v1/organizations', { token: ada.token, rawBody: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    errorCode(notJson);
  });
});
