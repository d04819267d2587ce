import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { invitations } from '../../../../drizzle/schema.ts';
import { sha256Hex } from '../../../../core/crypto.ts';
import { call, errorCode, invitationToken, joinOrg, readMail, signUp, uniqueEmail, withCatalog } from '../../../test/harness.ts';

const invite = (orgId: string, token: string, body: unknown) => call('POST', `/v1/organizations/${orgId}/invitations`, { token, body });

describe('POST /v1/organizations/{org_id}/invitations', () => {
  it('stores a hashed single-use token, mails the link and never returns the token', async () => {
    const ada = await signUp({ org_name: 'Analytical' });
    const email = uniqueEmail('invitee');
    const res = await invite(ada.orgId, ada.token, { email: `  ${email.toUpperCase()} `, role: 'developer' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(['invitation']);
    expect(res.body.invitation).toEqual({
      id: expect.stringMatching(/^inv_/),
      org_id: ada.orgId,
      email,
      role: 'developer',
      expires_at: expect.any(String),
      accepted_at: null,
      created_at: expect.any(String),
    });
    const ttl = Date.parse(res.body.invitation.expires_at) - Date.parse(res.body.invitation.created_at);
    expect(Math.abs(ttl - 7 * 24 * 3600 * 1000)).toBeLessThan(60_000);

    const mail = await readMail(email);
    expect(mail.subject).toContain('Analytical');
    expect(mail.text).toContain('http://localhost:8787/invitations/accept?token=');
    const token = await invitationToken(email);
    expect(JSON.stringify(res.body)).not.toContain(token);
    const [stored] = await withCatalog((db) => db.select().from(invitations).where(eq(invitations.id, res.body.invitation.id)));
    expect(stored!.tokenHash).toBe(await sha256Hex(token));
    expect(stored!.invitedBy).toBe(ada.userId);
  });

  it('lets admins invite any role but owner', async () => {
    const ada = await signUp();
    const admin = await joinOrg(ada, ada.orgId, 'admin');
    const ok = await invite(ada.orgId, admin.token, { email: uniqueEmail(), role: 'admin' });
    expect(ok.status).toBe(201);
    const owner = await invite(ada.orgId, admin.token, { email: uniqueEmail(), role: 'owner' });
    expect([owner.status, errorCode(owner)]).toEqual([403, 'forbidden']);
    const byOwner = await invite(ada.orgId, ada.token, { email: uniqueEmail(), role: 'owner' });
    expect(byOwner.status).toBe(201);
  });

  it('refuses to invite someone who is already a member with 409', async () => {
    const ada = await signUp();
    const dev = await joinOrg(ada, ada.orgId, 'developer');
    for (const email of [ada.email, dev.email]) {
      const res = await invite(ada.orgId, ada.token, { email, role: 'viewer' });
      expect([res.status, errorCode(res)]).toEqual([409, 'conflict']);
    }
  });

  it('answers malformed bodies with 400', async () => {
    const ada = await signUp();
    for (const body of [{}, { email: 'not-an-email', role: 'viewer' }, { email: uniqueEmail() }, { email: uniqueEmail(), role: 'god' }, { email: uniqueEmail(), role: 'viewer', token: 'x' }]) {
      const res = await invite(ada.orgId, ada.token, body);
      expect([JSON.stringify(body), res.status, errorCode(res)]).toEqual([JSON.stringify(body), 400, 'validation_failed']);
    }
  });
});
