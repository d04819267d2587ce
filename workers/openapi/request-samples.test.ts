// The sample requests that document.node.test.ts checks against the OpenAPI document are ones the Worker
// accepts: sent with a signed-in account, none is refused as invalid. Their ids name nothing, so most end in 404
// after validation; what matters is that validation let them through.
import { describe, expect, it } from 'vitest';
import { call, errorCode, signUp } from '../test/harness.ts';
import { REQUEST_SAMPLES, sampleUrl } from './request-samples.ts';

// Signing out ends the session the others are sent with, so it goes last.
const SIGN_OUT = 'POST /v1/auth/logout';

describe('the OpenAPI sample requests', () => {
  it('are all accepted by the Worker', async () => {
    const ada = await signUp();
    const refused: string[] = [];
    const samples = Object.entries(REQUEST_SAMPLES).sort(([a], [b]) => Number(a === SIGN_OUT) - Number(b === SIGN_OUT));
    for (const [key, sample] of samples) {
      const [method, template] = key.split(' ') as [string, string];
      const res = await call(method, sampleUrl(template, sample), { token: ada.token, body: sample.body });
      if (res.status >= 500 || (res.status === 400 && errorCode(res) === 'validation_failed')) {
        refused.push(`${key}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(refused).toEqual([]);
  });
});
