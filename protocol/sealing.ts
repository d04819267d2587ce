// The sealing primitive: AES-256-GCM over WebCrypto, `v1.<iv>.<ciphertext>` in base64url. The edge seals secrets at
// rest and cluster passwords for their region with it; the region agent opens those with its region's key. One
// definition of the format for both, so it lives in the protocol.
import { fromBase64Url, toBase64Url } from './encoding.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const keyCache = new Map<string, Promise<CryptoKey>>();

function aesKey(encodedKey: string): Promise<CryptoKey> {
  let key = keyCache.get(encodedKey);
  if (!key) {
    const raw = fromBase64Url(encodedKey.trim());
    if (raw.length !== 32) throw new Error('ENCRYPTION_KEY must decode to 32 bytes');
    key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    keyCache.set(encodedKey, key);
  }
  return key;
}

/** Seals text with AES-256-GCM; the result is `v1.<iv>.<ciphertext>` in base64url. */
export async function seal(encodedKey: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await aesKey(encodedKey), encoder.encode(plaintext));
  return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

export async function unseal(encodedKey: string, sealed: string): Promise<string> {
  const [version, iv, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !data) throw new Error('unknown sealed format');
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64Url(iv) }, await aesKey(encodedKey), fromBase64Url(data));
  return decoder.decode(plain);
}
