import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { invitations } from '../../../../drizzle/schema.ts';
import { call, invitationToken, joinOrg, signUp, uniqueEmail, withCatalog } from '../../../test/harness.ts';

describe('GET /v1/organizations/{org_id}/invitations', () => {
  it('lists pending invitations only, newest first, and pages them', async () => {
    const ada = await signUp();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call('POST', `/v1/organizations/${ada.orgId}/invitations`, { token: ada.token, body: { email: uniqueEmail(), role: 'viewer' } });
      ids.push(res.body.invitation.id);
    }
    // One accepted, one expired: neither is pending any more.
    const accepter = await signUp();
    await call('POST', `/v1/organizations/${ada.orgId}/invitations`, { token: ada.token, body: { email: accepter.email, role: 'viewer' } });
    const accepted = await call('POST', '/v1/invitations/accept', { token: accepter.token, body: { token: await invitationToken(accepter.email) } });
    expect(accepted.status).toBe(200);
    await withCatalog((db) => db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, ids[0]!)));

    const pending = [ids[2], ids[1]];
    const first = await call('GET', `/v1/organizations/${ada.orgId}/invitations?limit=1`, { token: ada.token });
    expect(first.status).toBe(200);
    expect(first.body.data.map((i: { id: string }) => i.id)).toEqual([pending[0]]);
    const second = await call('GET', `/v1/organizations/${ada.orgId}/invitations?limit=1&cursor=${first.body.next_cursor}`, { token: ada.token });
    expect(second.body.data.map((i: { id: string }) => i.id)).toEqual([pending[1]]);
    expect(second.body.next_cursor).toBeNull();
  });

  it('is open to admins as well as owners', async () => {
    const ada = await signUp();
    const admin = await joinOrg(ada, ada.orgId, 'admin');
    expect((await call('GET', `/v1/organizations/${ada.orgId}/invitations`, { token: admin.token })).status).toBe(200);
  });
});
