// Loading a key for its management routes, and the shape it is shown in. Another org's key is 404, like a missing
// one; the hash is never part of what leaves this file.
import { and, eq, inArray } from 'drizzle-orm';
import { apiKeys, memberships, users } from '../../../../drizzle/schema.ts';
import { displayPrefix, keyPermissions, keyStatus, type ApiKeyRow } from '../../../../core/identity/api-keys.ts';
import type { Queryable } from '../../../../core/db.ts';
import { notFound } from '../../../../core/errors.ts';
import { requirePermission } from '../../../../core/identity/rbac.ts';
import type { Principal } from '../../../../core/request.ts';
import type { ApiKey } from '../../../schemas/api-keys.ts';

export function serializeApiKey(row: ApiKeyRow, creatorEmail: string | null, now = Date.now()): ApiKey {
  const previousLive = row.previousExpiresAt && row.previousExpiresAt.getTime() > now ? row.previousExpiresAt : null;
  return {
    id: row.id,
    org_id: row.orgId,
    project_id: row.projectId,
    name: row.name,
    prefix: displayPrefix(row.lookupId),
    role: row.role,
    permissions: [...keyPermissions(row)],
    status: keyStatus(row, now),
    created_by: { id: row.createdBy, email: creatorEmail },
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    last_used_ip: row.lastUsedIp,
    previous_secret_expires_at: previousLive?.toISOString() ?? null,
  };
}

/** The creators' emails of a page of keys, in one read. */
export async function creatorEmails(db: Queryable, rows: ApiKeyRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.map((r) => r.createdBy))];
  if (ids.length === 0) return new Map();
  const found = await db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, ids));
  return new Map(found.map((u) => [u.id, u.email]));
}

/** A key of an org the caller manages keys in, with its creator's email; `lock` holds the row for the transaction. */
export async function requireKeyManagement(db: Queryable, principal: Principal, id: string, options: { lock?: boolean } = {}) {
  const select = db
    .select({ key: apiKeys, role: memberships.role, creatorEmail: users.email })
    .from(apiKeys)
    .innerJoin(memberships, and(eq(memberships.orgId, apiKeys.orgId), eq(memberships.userId, principal.userId)))
    .leftJoin(users, eq(users.id, apiKeys.createdBy))
    .where(eq(apiKeys.id, id))
    .limit(1);
  const [row] = options.lock ? await select.for('update', { of: apiKeys }) : await select;
  if (!row) throw notFound('API key');
  requirePermission(row.role, 'api_keys:manage');
  return row;
}
