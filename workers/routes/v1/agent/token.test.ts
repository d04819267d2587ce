import { env } from 'cloudflare:test';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Bindings } from '../../../env.ts';
import { verifyAccessToken, verifyAgentCredential } from '../../../../core/identity/tokens.ts';
import { regionWithAgent } from '../../../test/agents.ts';
import { call, signUp } from '../../../test/harness.ts';

const bindings = env as unknown as Bindings;
const renew = (credential: string) => call('POST', '/v1/agent/token', { token: credential });

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
});

describe('agent credentials and user tokens are not interchangeable', () => {
  it('keeps the audiences apart at the verifier', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    expect(await verifyAccessToken(bindings.JWT_PRIVATE_KEY, credential)).toBeNull();
    expect(await verifyAgentCredential(bindings.JWT_PRIVATE_KEY, ada.token)).toBeNull();
    expect(await verifyAgentCredential(bindings.JWT_PRIVATE_KEY, credential)).toEqual({ regionId });
  });
});
