import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { invitations } from '../../../../drizzle/schema.ts';
import { call, errorCode, invitationToken, signUp, withCatalog } from '../../../test/harness.ts';

const accept = (token: string, invitation: string) => call('POST', '/v1/invitations/accept', { token, body: { token: invitation } });

describe('POST /v1/invitations/accept', () => {
  it('makes the invited user a member with the invited role', async () => {
    const ada = await signUp();
    const bob = await signUp({ name: 'Bob' });
    const invited = await call('POST', `/v1/organizations/${ada.orgId}/invitations`, { token: ada.token, body: { email: bob.email, role: 'developer' } });
    const res = await accept(bob.token, await invitationToken(bob.email));
    expect(res.status).toBe(200);
    expect(res.body.membership).toEqual({
      user: { id: bob.userId, email: bob.email, name: 'Bob' },
      org_id: ada.orgId,
      role: 'developer',
      joined_at: expect.any(String),
    });
    const orgs = await call('GET', '/v1/organizations', { token: bob.token });
    expect(orgs.body.data).toContainEqual(expect.objectContaining({ id: ada.orgId, role: 'developer' }));
    const [stored] = await withCatalog((db) => db.select().from(invitations).where(eq(invitations.id, invited.body.invitation.id)));
    expect(stored!.acceptedAt).not.toBeNull();
  });

  it('works only once', async () => {
    const ada = await signUp();
    const bob = await signUp();
    await call('POST', `/v1/organizations/${ada.orgId}/invitations`, { token: ada.token, body: { email: bob.email, role: 'viewer' } });
    const token = await invitationToken(bob.email);
    expect((await accept(bob.token, token)).status).toBe(200);
    const again = await accept(bob.token, token);
    expect([again.status, errorCode(again)]).toEqual([400, 'bad_request']);
  });

  it('refuses a signed-in user with another email with 403, and leaves the invitation usable', async () => {
    const ada = await signUp();
    const bob = await signUp();
    const eve = await signUp();
    await call('POST', `/v1/organizations/${ada.orgId}/invitations`, { token: ada.token, body: { email: bob.email, role: 'admin' } });
    const token = await invitationToken(bob.email);
    const stolen = await accept(eve.token, token);
    expect([stolen.status, errorCode(stolen)]).toEqual([403, 'forbidden']);
    expect(stolen.body.error.message).toBe('This invitation is for another email address');
    const evesOrgs = await call('GET', '/v1/organizations', { token: eve.token });
    expect(evesOrgs.body.data.map((o: { id: string }) => o.id)).toEqual([eve.orgId]);
    expect((await accept(bob.token, token)).status).toBe(200);
  });

  it('refuses an expired invitation, and unknown tokens, with 400', async () => {
    const ada = await signUp();
    const bob = await signUp();
    const invited = await call('POST', `/v1/organizations/${ada.orgId}/invitations`, { token: ada.token, body: { email: bob.email, role: 'viewer' } });
    await withCatalog((db) => db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, invited.body.invitation.id)));
    const expired = await accept(bob.token, await invitationToken(bob.email));
    expect([expired.status, errorCode(expired)]).toEqual([400, 'bad_request']);
    const unknown = await accept(bob.token, 'this-token-was-never-issued');
    expect([unknown.status, errorCode(unknown)]).toEqual([400, 'bad_request']);
    const members = await call('GET', `/v1/organizations/${ada.orgId}/members`, { token: ada.token });
    expect(members.body.data).toHaveLength(1);
  });

  it('answers 409 when the user is already a member', async () => {
    const ada = await signUp();
    const bob = await signUp();
    const email = bob.email;
    await call('POST', `/v1/organizations/${ada.orgId}/invitations`, { token: ada.token, body: { email, role: 'viewer' } });
    const first = await invitationToken(email);
    await call('POST', `/v1/organizations/${ada.orgId}/invitations`, { token: ada.token, body: { email, role: 'admin' } });
    const second = await invitationToken(email);
    expect(second).not.toBe(first);
    expect((await accept(bob.token, second)).status).toBe(200);
    const res = await accept(bob.token, first);
    expect([res.status, errorCode(res)]).toEqual([409, 'conflict']);
  });

  it('answers malformed bodies with 400', async () => {
    const bob = await signUp();
    for (const body of [{}, { token: 'short' }, { token: 42 }, { token: 'x'.repeat(201) }, { token: 'long-enough-token', org_id: 'org_x' }]) {
      const res = await call('POST', '/v1/invitations/accept', { token: bob.token, body });
      expect([JSON.stringify(body), res.status, errorCode(res)]).toEqual([JSON.stringify(body), 400, 'validation_failed']);
    }
  });
});
