import { describe, expect, it } from 'vitest';
import { call, errorCode, joinOrg, signUp } from '../../../test/harness.ts';

const remove = (orgId: string, userId: string, token: string) => call('DELETE', `/v1/organizations/${orgId}/members/${userId}`, { token });

async function memberIds(orgId: string, token: string): Promise<string[]> {
  const res = await call('GET', `/v1/organizations/${orgId}/members`, { token });
  return res.body.data.map((m: { user: { id: string } }) => m.user.id);
}

describe('DELETE /v1/organizations/{org_id}/members/{user_id}', () => {
  it('lets an owner remove a member, who then loses access', async () => {
    const ada = await signUp();
    const dev = await joinOrg(ada, ada.orgId, 'developer');
    const res = await remove(ada.orgId, dev.userId, ada.token);
    expect(res.status).toBe(204);
    expect(await memberIds(ada.orgId, ada.token)).toEqual([ada.userId]);
    const lost = await call('GET', `/v1/organizations/${ada.orgId}`, { token: dev.token });
    expect([lost.status, errorCode(lost)]).toEqual([404, 'not_found']);
    const projects = await call('GET', `/v1/projects/${ada.projectId}`, { token: dev.token });
    expect([projects.status, errorCode(projects)]).toEqual([404, 'not_found']);
  });

  it('lets any member leave', async () => {
    const ada = await signUp();
    for (const role of ['admin', 'developer', 'viewer', 'billing'] as const) {
      const member = await joinOrg(ada, ada.orgId, role);
      const res = await remove(ada.orgId, member.userId, member.token);
      expect([role, res.status]).toEqual([role, 204]);
    }
    expect(await memberIds(ada.orgId, ada.token)).toEqual([ada.userId]);
  });

  it('lets an admin remove other non-owners, but not an owner', async () => {
    const ada = await signUp();
    const admin = await joinOrg(ada, ada.orgId, 'admin');
    const otherAdmin = await joinOrg(ada, ada.orgId, 'admin');
    const removed = await remove(ada.orgId, otherAdmin.userId, admin.token);
    expect(removed.status).toBe(204);
    const owner = await remove(ada.orgId, ada.userId, admin.token);
    expect([owner.status, errorCode(owner)]).toEqual([403, 'forbidden']);
    expect(await memberIds(ada.orgId, ada.token)).toContain(ada.userId);
  });

  it('keeps at least one owner: the last owner cannot leave, one of two can', async () => {
    const ada = await signUp();
    const alone = await remove(ada.orgId, ada.userId, ada.token);
    expect([alone.status, errorCode(alone)]).toEqual([409, 'conflict']);

    const bob = await joinOrg(ada, ada.orgId, 'owner');
    const left = await remove(ada.orgId, ada.userId, ada.token);
    expect(left.status).toBe(204);
    const bobAlone = await remove(ada.orgId, bob.userId, bob.token);
    expect([bobAlone.status, errorCode(bobAlone)]).toEqual([409, 'conflict']);
  });

  it("answers 404 for a non-member target and to a non-member leaving the organization", async () => {
    const ada = await signUp();
    const eve = await signUp();
    const stranger = await remove(ada.orgId, eve.userId, ada.token);
    expect([stranger.status, errorCode(stranger)]).toEqual([404, 'not_found']);
    // Route-specific: leaving takes only org:read, a path the table (removing someone else) does not take.
    const leaveForeign = await remove(ada.orgId, eve.userId, eve.token);
    expect([leaveForeign.status, errorCode(leaveForeign)]).toEqual([404, 'not_found']);
    const badId = await remove(ada.orgId, 'usr%00', ada.token);
    expect([badId.status, errorCode(badId)]).toEqual([400, 'validation_failed']);
  });
});
