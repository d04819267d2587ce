import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newSigningSecret, signature, signedHeaders } from './signing.ts';

// The test vector of the Standard Webhooks specification's reference libraries.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('webhook signing', () => {
  it("matches the specification's known vector", async () => {
    expect(await signature(vector.secret, vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
  });

  it('agrees with the standardwebhooks library for fresh secrets and bodies, which verifies what it signs', async () => {
    for (let i = 0; i < 5; i++) {
      const secret = newSigningSecret();
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      const body = JSON.stringify({ type: 'cluster.updated', timestamp: new Date().toISOString(), data: { n: i, text: 'é ✓ "quoted"' } });
      const now = Math.floor(Date.now() / 1000);
      const library = new Webhook(secret);
      expect(await signature(secret, `msg_${i}`, now, body)).toBe(library.sign(`msg_${i}`, new Date(now * 1000), body));
      const headers = await signedHeaders(secret, `msg_${i}`, now, body);
      expect(library.verify(body, headers)).toEqual(JSON.parse(body));
      // Another endpoint's secret, or a changed body, does not verify.
      expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
      expect(() => library.verify(body.replace('cluster', 'backup'), headers)).toThrow();
    }
  });

  it('refuses a secret that is not whsec_', async () => {
    await expect(signature('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg', 1, '{}')).rejects.toThrow(/whsec_/);
  });
});
