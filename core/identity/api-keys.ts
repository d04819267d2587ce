// API keys: long-lived credentials for programs, sent as `Authorization: Bearer oro_<lookup>_<secret>`.
//
// Only the SHA-256 of a secret is stored, next to the 8-character lookup id the secret carries in clear, so a check
// is one read by a unique index. Each isolate keeps what it read for CACHE_TTL_MS, keyed by the secret's hash:
// under load a key costs about one small catalog read per isolate every 10 s, against none per request for a
// session token (whose revocations are cached the same way). The price is that a revocation or a rotation with no
// grace made in another isolate takes up to CACHE_TTL_MS to be refused there (at once in the isolate that made it).
//
// Rotation keeps the key (id, lookup id, grants) and replaces its secret; the old secret keeps working for the
// grace period the caller chose (`grace_seconds`, default 24 h, at most 7 days, 0 for none). Last use (time and
// address) is written after the response, at most once a minute per key and isolate, and never on the request path.
import { eq } from 'drizzle-orm';
import { apiKeys } from '../../drizzle/schema.ts';
import type { Role } from '../../protocol/enums.ts';
import { sha256Hex, timingSafeEqual } from '../crypto.ts';
import type { Queryable } from '../db.ts';
import type { KeyGrant } from './key-grant.ts';
import { isPermission, permissionsOf, type Permission } from './rbac.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export const SECRET_PREFIX = 'oro_';
export const CACHE_TTL_MS = 10_000;
export const LAST_USED_INTERVAL_MS = 60_000;
export const DEFAULT_GRACE_SECONDS = 24 * 3600;
export const MAX_GRACE_SECONDS = 7 * 24 * 3600;

const LOOKUP_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const SECRET_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const LOOKUP_LENGTH = 8;
/** 43 base62 characters: 256 bits. */
const SECRET_LENGTH = 43;
const SECRET_PATTERN = /^oro_([0-9a-hjkmnp-tv-z]{8})_([0-9A-Za-z]{43})$/;
const CACHE_LIMIT = 1000;

function randomChars(alphabet: string, length: number): string {
  // Bytes at or above the largest multiple of the alphabet's size are skipped, so every character is equally likely.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

export function newLookupId(): string {
  return randomChars(LOOKUP_ALPHABET, LOOKUP_LENGTH);
}

/** A fresh secret for a key's lookup id, and the hash that is stored instead of it. */
export async function newSecret(lookupId: string): Promise<{ secret: string; hash: string }> {
  const secret = `${SECRET_PREFIX}${lookupId}_${randomChars(SECRET_ALPHABET, SECRET_LENGTH)}`;
  return { secret, hash: await sha256Hex(secret) };
}

/** What a key is shown as once its secret is gone: enough to recognise it. */
export function displayPrefix(lookupId: string): string {
  return `${SECRET_PREFIX}${lookupId}`;
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(SECRET_PREFIX);
}

export function keyPermissions(row: Pick<ApiKeyRow, 'role' | 'permissions'>): ReadonlySet<Permission> {
  if (row.role) return permissionsOf(row.role);
  return new Set((row.permissions ?? []).filter(isPermission));
}

export function keyGrant(row: ApiKeyRow): KeyGrant {
  return { keyId: row.id, orgId: row.orgId, projectId: row.projectId, permissions: keyPermissions(row) };
}

export type KeyStatus = 'active' | 'expired' | 'revoked';

export function keyStatus(row: Pick<ApiKeyRow, 'revokedAt' | 'expiresAt'>, now = Date.now()): KeyStatus {
  if (row.revokedAt) return 'revoked';
  if (row.expiresAt && row.expiresAt.getTime() <= now) return 'expired';
  return 'active';
}

/** Whether a role's key stays within what the creator's own role allows; `owner` is never granted to a key. */
export function roleWithin(keyRole: Role, creatorRole: Role): boolean {
  if (keyRole === 'owner') return false;
  const creator = permissionsOf(creatorRole);
  return [...permissionsOf(keyRole)].every((p) => creator.has(p));
}

export type KeyCheck = { key: ApiKeyRow } | { refused: string };

interface Cached {
  row: ApiKeyRow | null;
  readAt: number;
}

const cache = new Map<string, Cached>();
const lastTouched = new Map<string, number>();

/** A change made in this isolate (revoke, rotate) counts here at once. */
export function forgetCachedKey(keyId: string): void {
  for (const [hash, entry] of cache) if (entry.row?.id === keyId) cache.delete(hash);
}

const encoder = new TextEncoder();
const sameHash = (a: string, b: string) => timingSafeEqual(encoder.encode(a), encoder.encode(b));

async function readKey(db: Queryable, hash: string, lookupId: string, now: number): Promise<ApiKeyRow | null> {
  const hit = cache.get(hash);
  if (hit && now - hit.readAt < CACHE_TTL_MS) return hit.row;
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.lookupId, lookupId)).limit(1);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(hash, { row: row ?? null, readAt: now });
  return row ?? null;
}

/** The key a secret belongs to, or why it is refused. The reason is safe to show: it names no other key. */
export async function checkApiKey(db: Queryable, secret: string, now = Date.now()): Promise<KeyCheck> {
  const match = SECRET_PATTERN.exec(secret);
  if (!match) return { refused: 'The API key is malformed' };
  const hash = await sha256Hex(secret);
  const row = await readKey(db, hash, match[1]!, now);
  if (!row) return { refused: 'The API key is unknown' };
  if (!sameHash(hash, row.secretHash)) {
    if (!row.previousSecretHash || !sameHash(hash, row.previousSecretHash)) return { refused: 'The API key is unknown' };
    if (!row.previousExpiresAt || row.previousExpiresAt.getTime() <= now) {
      return { refused: 'The API key was rotated and its old secret is no longer accepted' };
    }
  }
  const status = keyStatus(row, now);
  if (status === 'revoked') return { refused: 'The API key has been revoked' };
  if (status === 'expired') return { refused: 'The API key has expired' };
  return { key: row };
}

/** Records a use after the response (`background`), at most once a minute per key from this isolate. */
export function noteKeyUse(db: Queryable, row: ApiKeyRow, ip: string, background: (work: Promise<unknown>) => void, now = Date.now()): void {
  const last = Math.max(lastTouched.get(row.id) ?? 0, row.lastUsedAt?.getTime() ?? 0);
  if (now - last < LAST_USED_INTERVAL_MS) return;
  lastTouched.set(row.id, now);
  if (lastTouched.size > CACHE_LIMIT) lastTouched.delete(lastTouched.keys().next().value!);
  background(
    db
      .update(apiKeys)
      .set({ lastUsedAt: new Date(now), lastUsedIp: ip })
      .where(eq(apiKeys.id, row.id))
      // Best effort: a failed write is simply retried by the key's next use.
      .catch(() => lastTouched.delete(row.id)),
  );
}
