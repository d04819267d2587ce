// Hashing and random tokens on WebCrypto; sealing secrets is protocol/sealing.ts, shared with the region agent.
import { toBase64Url, toHex } from '../protocol/encoding.ts';

const encoder = new TextEncoder();

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
