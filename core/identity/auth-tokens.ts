// Single-use tokens sent by mail (email verification, password reset). Only a SHA-256 hash is stored, and
// spending one is a single conditional UPDATE, so two racing requests with the same link cannot both win.
import { and, eq, gt, isNull } from 'drizzle-orm';
import { authTokens } from '../../drizzle/schema.ts';
import { randomToken, sha256Hex } from '../crypto.ts';
import type { Queryable } from '../db.ts';
import { newId } from '../../protocol/ids.ts';
import { appLink, writeMail } from '../mail.ts';
import type { Settings } from '../settings.ts';

export type AuthTokenPurpose = (typeof authTokens.$inferInsert)['purpose'];

export const VERIFY_EMAIL_TTL_MS = 48 * 60 * 60 * 1000;
export const RESET_PASSWORD_TTL_MS = 60 * 60 * 1000;

async function createAuthToken(db: Queryable, userId: string, purpose: AuthTokenPurpose, ttlMs: number): Promise<string> {
  const token = randomToken();
  await db.insert(authTokens).values({
    id: newId('tok'),
    userId,
    purpose,
    tokenHash: await sha256Hex(token),
    expiresAt: new Date(Date.now() + ttlMs),
  });
  return token;
}

/** Marks the token used and returns its user, or null when it is unknown, for another purpose, spent or expired. */
export async function consumeAuthToken(db: Queryable, token: string, purpose: AuthTokenPurpose): Promise<string | null> {
  const now = new Date();
  const [claimed] = await db
    .update(authTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(authTokens.tokenHash, await sha256Hex(token)),
        eq(authTokens.purpose, purpose),
        isNull(authTokens.usedAt),
        gt(authTokens.expiresAt, now),
      ),
    )
    .returning({ userId: authTokens.userId });
  return claimed?.userId ?? null;
}

/** Spends every outstanding token of a kind, so older links still sitting in a mailbox stop working. */
export async function spendOutstandingTokens(db: Queryable, userId: string, purpose: AuthTokenPurpose): Promise<void> {
  await db
    .update(authTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(authTokens.userId, userId), eq(authTokens.purpose, purpose), isNull(authTokens.usedAt)));
}

/** Creates a verification token and writes its mail in the caller's transaction; returns the mail id to dispatch. */
export async function issueEmailVerification(db: Queryable, settings: Settings, user: { id: string; email: string }): Promise<string> {
  const token = await createAuthToken(db, user.id, 'verify_email', VERIFY_EMAIL_TTL_MS);
  return writeMail(db, settings, {
    to: user.email,
    subject: 'Verify your Orochi Cloud email address',
    text: `Welcome to Orochi Cloud.\n\nConfirm your email address: ${appLink(settings, '/verify-email', { token })}\n\nThe link works once and expires in 48 hours.`,
  });
}

/** Creates a password reset token and writes its mail in the caller's transaction; returns the mail id to dispatch. */
export async function issuePasswordReset(db: Queryable, settings: Settings, user: { id: string; email: string }): Promise<string> {
  const token = await createAuthToken(db, user.id, 'reset_password', RESET_PASSWORD_TTL_MS);
  return writeMail(db, settings, {
    to: user.email,
    subject: 'Reset your Orochi Cloud password',
    text:
      `Someone asked to reset the password of your Orochi Cloud account.\n\n` +
      `Choose a new password: ${appLink(settings, '/reset-password', { token })}\n\n` +
      `The link works once and expires in 1 hour. If it was not you, ignore this mail; your password is unchanged.`,
  });
}
