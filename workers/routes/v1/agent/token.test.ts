import { env } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { regions } from '../../../../drizzle/schema.ts';
import type { Bindings } from '../../../env.ts';
import { signAgentCredential, verifyAccessToken, verifyAgentCredential } from '../../../../core/identity/tokens.ts';
import { regionWithAgent } from '../../../test/agents.ts';
import { call, errorCode, signUp, withCatalog } from '../../../test/harness.ts';

const bindings = env as unknown as Bindings;
const testKey = JSON.parse(bindings.JWT_PRIVATE_KEY) as JWK;

async function agentJwt(key: JWK, regionId: string, exp: number, audience = 'orochi-agent'): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: key.kid ?? 'default', typ: 'JWT' })
    .setIssuer('orochi-cloud')
    .setAudience(audience)
    .setSubject(regionId)
    .setIssuedAt(exp - 3600)
    .setExpirationTime(exp)
    .sign(await importJWK(key, 'ES256'));
}

const now = () => Math.floor(Date.now() / 1000);
const renew = (credential?: string) => call('POST', '/v1/agent/token', credential ? { token: credential } : {});

describe('POST /v1/agent/token', () => {
  it('renews a valid agent credential for the same region', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const res = await renew(credential);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ region_id: regionId, credential: expect.any(String), expires_at: expect.any(String) });
    expect(decodeJwt(res.body.credential)).toMatchObject({ aud: 'orochi-agent', sub: regionId });
    expect((await renew(res.body.credential)).status).toBe(200);
  });

  it('refuses user tokens, expired, foreign-key and wrong-audience credentials, and nothing at all', async () => {
    const ada = await signUp();
    const { regionId } = await regionWithAgent(ada);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const foreign = { ...(await exportJWK(privateKey)), kid: testKey.kid };
    const refused = [
      ada.token,
      await agentJwt(testKey, regionId, now() - 60),
      await agentJwt(foreign, regionId, now() + 600),
      await agentJwt(testKey, regionId, now() + 600, 'orochi-api'),
      'not-a-jwt',
      undefined,
    ];
    for (const credential of refused) {
      const res = await renew(credential);
      expect([res.status, errorCode(res)]).toEqual([401, 'unauthorized']);
    }
    // Control: the same construction with the right key, audience and expiry is accepted.
    expect((await renew(await agentJwt(testKey, regionId, now() + 600))).status).toBe(200);
  });

  it("refuses the credential of a deleted region, and of one that never existed", async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    await withCatalog((db) => db.update(regions).set({ revokedAt: new Date() }).where(eq(regions.id, regionId)));
    const res = await renew(credential);
    expect([res.status, errorCode(res)]).toEqual([401, 'unauthorized']);
    const ghost = await signAgentCredential(bindings.JWT_PRIVATE_KEY, 'rg_00000000000000000000000000');
    expect((await renew(ghost.credential)).status).toBe(401);
  });
});

describe('agent credentials and user tokens are not interchangeable', () => {
  it('refuses an agent credential on user routes', async () => {
    const ada = await signUp();
    const { credential } = await regionWithAgent(ada);
    for (const [method, path] of [
      ['GET', '/v1/auth/me'],
      ['GET', '/v1/projects'],
      ['GET', '/v1/regions'],
      ['POST', '/v1/regions'],
    ] as const) {
      const res = await call(method, path, { token: credential, ...(method === 'POST' ? { body: { name: 'x', provider: 'aws', driver: 'local' } } : {}) });
      expect([path, res.status, errorCode(res)]).toEqual([path, 401, 'unauthorized']);
    }
  });

  it('keeps the audiences apart at the verifier', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    expect(await verifyAccessToken(bindings.JWT_PRIVATE_KEY, credential)).toBeNull();
    expect(await verifyAgentCredential(bindings.JWT_PRIVATE_KEY, ada.token)).toBeNull();
    expect(await verifyAgentCredential(bindings.JWT_PRIVATE_KEY, credential)).toEqual({ regionId });
  });
});
