// Regions as the API sees them: who can see or manage one, and the one-time registration token that lets an
// agent claim it. The token is stored only as a SHA-256 hash and is spent by the agent's first registration.
import { and, eq, isNull } from 'drizzle-orm';
import { memberships, regions } from '../../drizzle/schema.ts';
import type { Principal } from '../request.ts';
import { randomToken, sha256Hex } from '../crypto.ts';
import type { Queryable } from '../db.ts';
import { ApiError, notFound } from '../errors.ts';
import { requireKeyScope, requirePermission } from '../identity/rbac.ts';

export type RegionRow = typeof regions.$inferSelect;

export const REGISTRATION_TTL_MS = 24 * 60 * 60 * 1000;

export interface RegistrationToken {
  token: string;
  tokenHash: string;
  expiresAt: Date;
}

export async function newRegistrationToken(): Promise<RegistrationToken> {
  const token = randomToken('ort_');
  return { token, tokenHash: await sha256Hex(token), expiresAt: new Date(Date.now() + REGISTRATION_TTL_MS) };
}

/** How an operator starts the region's agent; both forms carry the registration token. */
export function installInstructions(origin: string, region: Pick<RegionRow, 'id' | 'driver'>, token: string) {
  if (region.driver === 'kubernetes') {
    const manifestUrl = `${origin}/v1/regions/${region.id}/install.yaml?token=${encodeURIComponent(token)}`;
    return { command: `kubectl apply -f "${manifestUrl}"`, manifest_url: manifestUrl };
  }
  return { command: `npm run agent -- --url ${origin} --token ${token}`, manifest_url: null };
}

/**
 * A live (not revoked) region the caller can see: any shared region, or one of an org they belong to.
 * Another org's region answers 404, like a missing one. `lock` holds the region row until the transaction ends.
 */
export async function findVisibleRegion(db: Queryable, principal: Principal, id: string, options: { lock?: boolean } = {}) {
  const select = db
    .select({ region: regions, role: memberships.role })
    .from(regions)
    .leftJoin(memberships, and(eq(memberships.orgId, regions.orgId), eq(memberships.userId, principal.userId)))
    .where(and(eq(regions.id, id), isNull(regions.revokedAt)))
    .limit(1);
  const [row] = options.lock ? await select.for('update', { of: regions }) : await select;
  if (!row || (row.region.visibility === 'org' && !row.role)) throw notFound('Region');
  if (row.region.visibility === 'org') requireKeyScope('Region', row.region.orgId, null);
  return row;
}

/** A region the caller may manage (owner/admin of its org); shared regions belong to the platform operator. */
export async function requireRegionManagement(db: Queryable, principal: Principal, id: string, options: { lock?: boolean } = {}) {
  const { region, role } = await findVisibleRegion(db, principal, id, options);
  if (region.visibility === 'shared' || !role) {
    throw new ApiError('forbidden', 'Shared regions are managed by the platform operator');
  }
  requirePermission(role, 'regions:manage');
  return region;
}
