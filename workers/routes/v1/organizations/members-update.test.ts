import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../../../drizzle/schema.ts';
import { call, errorCode, joinOrg, signUp, withCatalog } from '../../../test/harness.ts';

const patch = (orgId: string, userId: string, token: string, body: unknown) =>
  call('PATCH', `/v1/organizations/${orgId}/members/${userId}`, { token, body });

describe('PATCH /v1/organizations/{org_id}/members/{user_id}', () => {
  it("lets an owner change a member's role, and audits it", async () => {
    const ada = await signUp();
    const dev = await joinOrg(ada, ada.orgId, 'developer');
    const res = await patch(ada.orgId, dev.userId, ada.token, { role: 'admin' });
    expect(res.status).toBe(200);
    expect(res.body.membership).toMatchObject({ user: { id: dev.userId, email: dev.email }, org_id: ada.orgId, role: 'admin' });

    const orgs = await call('GET', `/v1/organizations/${ada.orgId}`, { token: dev.token });
    expect(orgs.body.organization.role).toBe('admin');
    const audited = await withCatalog((db) =>
      db.select().from(auditLog).where(and(eq(auditLog.orgId, ada.orgId), eq(auditLog.action, 'member.role_changed'))),
    );
    expect(audited).toEqual([expect.objectContaining({ actorId: ada.userId, targetId: dev.userId, metadata: { from: 'developer', to: 'admin' } })]);
  });

  it('lets an admin change non-owner roles but not grant, take away or touch the owner role', async () => {
    const ada = await signUp();
    const admin = await joinOrg(ada, ada.orgId, 'admin');
    const dev = await joinOrg(ada, ada.orgId, 'developer');
    const demoted = await patch(ada.orgId, dev.userId, admin.token, { role: 'viewer' });
    expect([demoted.status, demoted.body.membership?.role]).toEqual([200, 'viewer']);

    for (const [userId, role] of [
      [dev.userId, 'owner'],
      [admin.userId, 'owner'],
      [ada.userId, 'admin'],
      [ada.userId, 'owner'],
    ] as const) {
      const res = await patch(ada.orgId, userId, admin.token, { role });
      expect([userId, role, res.status, errorCode(res)]).toEqual([userId, role, 403, 'forbidden']);
    }
  });

  it('keeps at least one owner: the last owner cannot be demoted, a second owner makes it possible', async () => {
    const ada = await signUp();
    const last = await patch(ada.orgId, ada.userId, ada.token, { role: 'admin' });
    expect([last.status, errorCode(last)]).toEqual([409, 'conflict']);

    const bob = await joinOrg(ada, ada.orgId, 'developer');
    const promoted = await patch(ada.orgId, bob.userId, ada.token, { role: 'owner' });
    expect([promoted.status, promoted.body.membership?.role]).toEqual([200, 'owner']);
    const demotedByPeer = await patch(ada.orgId, ada.userId, bob.token, { role: 'developer' });
    expect([demotedByPeer.status, demotedByPeer.body.membership?.role]).toEqual([200, 'developer']);
    const bobAlone = await patch(ada.orgId, bob.userId, bob.token, { role: 'viewer' });
    expect([bobAlone.status, errorCode(bobAlone)]).toEqual([409, 'conflict']);
  });

  it('answers 404 for a user who is not a member, 400 for a malformed user id', async () => {
    const ada = await signUp();
    const eve = await signUp();
    const stranger = await patch(ada.orgId, eve.userId, ada.token, { role: 'viewer' });
    expect([stranger.status, errorCode(stranger)]).toEqual([404, 'not_found']);
    const unknown = await patch(ada.orgId, 'usr_00000000000000000000000000', ada.token, { role: 'viewer' });
    expect([unknown.status, errorCode(unknown)]).toEqual([404, 'not_found']);
    const badId = await patch(ada.orgId, '%00', ada.token, { role: 'viewer' });
    expect([badId.status, errorCode(badId)]).toEqual([400, 'validation_failed']);
  });

  it('answers malformed bodies with 400', async () => {
    const ada = await signUp();
    const dev = await joinOrg(ada, ada.orgId, 'developer');
    for (const body of [{}, { role: 'superuser' }, { role: 'admin', extra: 1 }, { role: null }]) {
      const res = await patch(ada.orgId, dev.userId, ada.token, body);
      expect([JSON.stringify(body), res.status, errorCode(res)]).toEqual([JSON.stringify(body), 400, 'validation_failed']);
    }
  });
});
