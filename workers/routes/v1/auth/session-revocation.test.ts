// Ending a session ends its access tokens at once, on every path: REST, the realtime socket (closed, and
// refused when it tries to authenticate) and the revocation list each isolate keeps.
import { env } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { SignJWT, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { sessions } from '../../../../drizzle/schema.ts';
import type { Bindings } from '../../../env.ts';
import { TRUST_LIMIT_MS } from '../../../../core/identity/session-revocations.ts';
import { CLOSE_CODES } from '../../../../protocol/realtime.ts';
import { call, errorCode, joinOrg, signUp, withCatalog, type Account } from '../../../test/harness.ts';
import { connect, connectReady } from '../../../test/realtime-client.ts';
import { latestLinkToken } from '../../../test/auth-flows.ts';

const me = (token: string) => call('GET', '/v1/auth/me', { token });
const login = (account: Account) => call('POST', '/v1/auth/login', { body: { email: account.email, password: account.password } });

async function expectRefused(token: string): Promise<void> {
  const res = await me(token);
  expect(res.status).toBe(401);
  expect(errorCode(res)).toBe('unauthorized');
  expect(res.body.error.message).toMatch(/session has ended/);
}

describe('revoked sessions', () => {
  it('logout ends the access token at once, on REST and on the realtime socket', async () => {
    const account = await signUp();
    const socket = await connectReady({ token: account.token });
    expect((await me(account.token)).status).toBe(200);

    expect((await call('POST', '/v1/auth/logout', { token: account.token })).status).toBe(204);
    await expectRefused(account.token);
    expect(await socket.closed).toMatchObject({ code: CLOSE_CODES.sessionEnded });
    // A new socket with the same token is refused at the upgrade, and so is an `auth` message carrying it.
    expect((await connect({ token: account.token }).catch((e: Error) => e)).toString()).toMatch(/401/);
    const late = await connect({ orgId: account.orgId });
    late.send({ type: 'auth', token: account.token });
    expect(await late.next('error')).toMatchObject({ code: 'unauthorized' });
    expect(await late.closed).toMatchObject({ code: CLOSE_CODES.sessionEnded });
    // The cookie path too: a stale cookie is ignored, so the call is anonymous.
    expect((await call('GET', '/v1/auth/me', { headers: { cookie: `orochi_access=${account.token}` } })).status).toBe(401);
  });

  it('ends only the signed-out session: another sign-in of the same user keeps working', async () => {
    const account = await signUp();
    const other = await login(account);
    await call('POST', '/v1/auth/logout', { token: account.token });
    await expectRefused(account.token);
    expect((await me(other.body.access_token)).status).toBe(200);
  });

  it('refresh-token reuse ends every access token of the session, the thief’s new one included', async () => {
    const account = await signUp();
    const rotated = await call('POST', '/v1/auth/refresh', { body: { refresh_token: account.refreshToken } });
    expect(rotated.status).toBe(200);
    const socket = await connectReady({ token: rotated.body.access_token });

    const reused = await call('POST', '/v1/auth/refresh', { body: { refresh_token: account.refreshToken } });
    expect(reused.status).toBe(401);
    await expectRefused(account.token);
    await expectRefused(rotated.body.access_token);
    expect(await socket.closed).toMatchObject({ code: CLOSE_CODES.sessionEnded });
  });

  it('a password change ends every session and hands the caller a new one', async () => {
    const account = await signUp();
    const laptop = await login(account);
    const socket = await connectReady({ token: laptop.body.access_token });

    const wrong = await call('POST', '/v1/auth/password', { token: account.token, body: { current_password: 'not it at all', new_password: 'a brand new password' } });
    expect(wrong.status).toBe(403);
    expect((await me(account.token)).status).toBe(200);

    const changed = await call('POST', '/v1/auth/password', {
      token: account.token,
      body: { current_password: account.password, new_password: 'a brand new password' },
    });
    expect(changed.status).toBe(200);
    await expectRefused(account.token);
    await expectRefused(laptop.body.access_token);
    expect(await socket.closed).toMatchObject({ code: CLOSE_CODES.sessionEnded });
    expect((await me(changed.body.access_token)).status).toBe(200);
    expect((await call('POST', '/v1/auth/refresh', { body: { refresh_token: account.refreshToken } })).status).toBe(401);
    expect((await login(account)).status).toBe(401);
    expect((await login({ ...account, password: 'a brand new password' })).status).toBe(200);
  });

  it('a password reset ends every session', async () => {
    const account = await signUp();
    const socket = await connectReady({ token: account.token });
    await call('POST', '/v1/auth/forgot-password', { body: { email: account.email } });
    const token = await latestLinkToken(account.email, '/reset-password');
    expect((await call('POST', '/v1/auth/reset-password', { body: { token, password: 'reset to this one' } })).status).toBe(200);
    await expectRefused(account.token);
    expect(await socket.closed).toMatchObject({ code: CLOSE_CODES.sessionEnded });
  });

  it('removal from the organization ends the sessions opened in it and closes the member’s sockets', async () => {
    const owner = await signUp();
    const member = await joinOrg(owner, owner.orgId, 'developer');
    // The member's first session opened in the owner's org (as a sign-in does when it is their oldest org);
    // a later sign-in opens in their own, the oldest membership.
    await withCatalog((db) => db.update(sessions).set({ orgId: owner.orgId }).where(eq(sessions.userId, member.userId)));
    const socket = await connectReady({ token: member.token, orgId: owner.orgId });
    const elsewhere = await login(member);

    expect((await call('DELETE', `/v1/organizations/${owner.orgId}/members/${member.userId}`, { token: owner.token })).status).toBe(204);
    expect(await socket.closed).toMatchObject({ code: CLOSE_CODES.membershipEnded });
    await expectRefused(member.token);
    // The session opened in their own org goes on.
    expect((await me(elsewhere.body.access_token)).status).toBe(200);
  });

  it('a revocation written by another isolate is refused within a second', async () => {
    const account = await signUp();
    expect((await me(account.token)).status).toBe(200);
    // Straight into the catalog, as another Worker instance would: this isolate learns of it by its refresh.
    await withCatalog((db) => db.update(sessions).set({ revokedAt: new Date(), revokedReason: 'logout' }).where(eq(sessions.userId, account.userId)));
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 3000) {
      status = (await me(account.token)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(TRUST_LIMIT_MS).toBeLessThan(1000);
  });

  it('refuses a validly signed access token without an expiry', async () => {
    const account = await signUp();
    const jwk = JSON.parse((env as unknown as Bindings).JWT_PRIVATE_KEY) as JWK;
    const key = await importJWK(jwk, 'ES256');
    const forever = await new SignJWT({ org: account.orgId, sid: sessionIdOf(account.token) })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid ?? 'default', typ: 'JWT' })
      .setIssuer('orochi-cloud')
      .setAudience('orochi-api')
      .setSubject(account.userId)
      .setIssuedAt()
      .sign(key);
    const res = await me(forever);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/invalid or expired/);
  });
});

function sessionIdOf(token: string): string {
  const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sid: string };
  return payload.sid;
}
