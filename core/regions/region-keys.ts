// Each region has its own AES-256 key, derived from ENCRYPTION_KEY with HKDF and the region id, and handed to
// the region's agent once, when it registers. Cluster passwords travel to the agent sealed with it, so the
// queue, the RegionDO outbox and the agent's logs only ever see ciphertext, and one region's agent cannot
// open another region's secrets.
import { fromBase64Url, toBase64Url } from '../../protocol/encoding.ts';

const encoder = new TextEncoder();

export async function regionKey(encryptionKey: string, regionId: string): Promise<string> {
  const master = await crypto.subtle.importKey('raw', fromBase64Url(encryptionKey.trim()), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('orochi-region-key-v1'), info: encoder.encode(regionId) },
    master,
    256,
  );
  return toBase64Url(new Uint8Array(bits));
}
