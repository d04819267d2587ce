// Hashing, random tokens and AES-GCM sealing of secrets at rest, all on WebCrypto.
import { fromBase64Url, toBase64Url, toHex } from './encoding.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** A random URL-safe secret with 256 bits of entropy, optionally prefixed (`rt_...`). */
export function randomToken(prefix = ''): string {
  return prefix + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Constant-time comparison of two equal-length byte strings. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

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
