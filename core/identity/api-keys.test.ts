import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiKeys } from '../../drizzle/schema.ts';
import { newId } from '../../protocol/ids.ts';
import { signUp, withCatalog } from '../../workers/test/harness.ts';
import { sha256Hex } from '../crypto.ts';
import { CACHE_TTL_MS, LAST_USED_INTERVAL_MS, checkApiKey, newLookupId, newSecret, noteKeyUse, roleWithin } from './api-keys.ts';

async function plantKey(over: Partial<typeof apiKeys.$inferInsert> = {}) {
  const owner = await signUp();
  const lookupId = newLookupId();
  const { secret, hash } = await newSecret(lookupId);
  const values = { id: newId('key'), orgId: owner.orgId, name: 'test', lookupId, secretHash: hash, role: 'viewer' as const, createdBy: owner.userId, ...over };
  await withCatalog((db) => db.insert(apiKeys).values(values));
  // `secret` is the key's only when `over` leaves its lookup id and hash alone.
  return { id: values.id, secret, lookupId: values.lookupId };
}

describe('API key secrets', () => {
  it('look like oro_<8-char lookup id>_<43 base62 characters> and are all different', async () => {
    const lookupId = newLookupId();
    const secrets = await Promise.all(Array.from({ length: 50 }, () => newSecret(lookupId)));
    for (const { secret, hash } of secrets) {
      expect(secret).toMatch(new RegExp(`^oro_${lookupId}_[0-9A-Za-z]{43}$`));
      expect(hash).toBe(await sha256Hex(secret));
    }
    expect(new Set(secrets.map((s) => s.secret)).size).toBe(50);
  });

  it('are stored as their SHA-256 only', async () => {
    const { id, secret } = await plantKey();
    const [row] = await withCatalog((db) => db.select().from(apiKeys).where(eq(apiKeys.id, id)));
    expect(JSON.stringify(row)).not.toContain(secret.slice(13));
    expect(row!.secretHash).toBe(await sha256Hex(secret));
  });
});

describe('checkApiKey', () => {
  it('accepts a live key and refuses malformed, unknown, revoked and expired ones with their reason', async () => {
    const live = await plantKey();
    const revoked = await plantKey({ revokedAt: new Date() });
    const expired = await plantKey({ expiresAt: new Date(Date.now() - 1000) });
    await withCatalog(async (db) => {
      expect(await checkApiKey(db, live.secret)).toMatchObject({ key: { id: live.id } });
      expect(await checkApiKey(db, 'oro_nope')).toEqual({ refused: 'The API key is malformed' });
      expect(await checkApiKey(db, `oro_${live.lookupId}_${'x'.repeat(43)}`)).toEqual({ refused: 'The API key is unknown' });
      expect(await checkApiKey(db, `oro_${newLookupId()}_${'x'.repeat(43)}`)).toEqual({ refused: 'The API key is unknown' });
      expect(await checkApiKey(db, revoked.secret)).toEqual({ refused: 'The API key has been revoked' });
      expect(await checkApiKey(db, expired.secret)).toEqual({ refused: 'The API key has expired' });
    });
  });

  it('answers from its copy for CACHE_TTL_MS, then reads the catalog again', async () => {
    const key = await plantKey();
    await withCatalog(async (db) => {
      const start = Date.now();
      expect(await checkApiKey(db, key.secret, start)).toHaveProperty('key');
      await db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, key.id));
      // A revocation made elsewhere: this isolate's copy still says live until it is CACHE_TTL_MS old.
      expect(await checkApiKey(db, key.secret, start + CACHE_TTL_MS - 1)).toHaveProperty('key');
      expect(await checkApiKey(db, key.secret, start + CACHE_TTL_MS)).toEqual({ refused: 'The API key has been revoked' });
    });
  });

  it('accepts the previous secret of a rotation until its grace period ends', async () => {
    const lookupId = newLookupId();
    const old = await newSecret(lookupId);
    const current = await newSecret(lookupId);
    const graceEnds = Date.now() + 60_000;
    const key = await plantKey({ lookupId, secretHash: current.hash, previousSecretHash: old.hash, previousExpiresAt: new Date(graceEnds) });
    expect(key.lookupId).toBe(lookupId);
    await withCatalog(async (db) => {
      expect(await checkApiKey(db, current.secret, graceEnds - 1)).toHaveProperty('key');
      expect(await checkApiKey(db, old.secret, graceEnds - 1)).toHaveProperty('key');
      expect(await checkApiKey(db, old.secret, graceEnds)).toEqual({ refused: 'The API key was rotated and its old secret is no longer accepted' });
      expect(await checkApiKey(db, current.secret, graceEnds)).toHaveProperty('key');
    });
  });
});

describe('noteKeyUse', () => {
  it('writes the last use in the background, at most once a minute per key', async () => {
    const key = await plantKey();
    await withCatalog(async (db) => {
      const check = await checkApiKey(db, key.secret);
      if (!('key' in check)) throw new Error(check.refused);
      const work: Promise<unknown>[] = [];
      const now = Date.now();
      noteKeyUse(db, check.key, '203.0.113.7', (w) => work.push(w), now);
      noteKeyUse(db, check.key, '203.0.113.8', (w) => work.push(w), now + LAST_USED_INTERVAL_MS - 1);
      expect(work).toHaveLength(1);
      await Promise.all(work);
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
      expect([row!.lastUsedIp, row!.lastUsedAt?.getTime()]).toEqual(['203.0.113.7', now]);
      noteKeyUse(db, check.key, '203.0.113.9', (w) => work.push(w), now + LAST_USED_INTERVAL_MS);
      expect(work).toHaveLength(2);
      await Promise.all(work);
    });
  });
});

describe('roleWithin', () => {
  it('allows roles whose permissions the creator holds, and never owner', () => {
    expect(roleWithin('admin', 'owner')).toBe(true);
    expect(roleWithin('admin', 'admin')).toBe(true);
    expect(roleWithin('viewer', 'developer')).toBe(true);
    expect(roleWithin('owner', 'owner')).toBe(false);
    expect(roleWithin('billing', 'admin')).toBe(false);
    expect(roleWithin('developer', 'viewer')).toBe(false);
    expect(roleWithin('billing', 'billing')).toBe(true);
  });
});
