// What each plan allows. Checked inside the transaction that would exceed it, with the org locked.
import { and, eq, isNull } from 'drizzle-orm';
import { clusters, projects } from '../../drizzle/schema.ts';
import type { Plan } from '../../protocol/enums.ts';
import type { Queryable } from '../db.ts';
import { ApiError } from '../errors.ts';

/** Projects an organization may hold; null is unlimited. */
export const PROJECT_LIMITS: Record<Plan, number | null> = { free: 1, pro: 5, team: 20, enterprise: null };

/** 422 when the org already holds as many projects as its plan allows. Call with the org locked. */
export async function requireProjectQuota(db: Queryable, org: { id: string; plan: Plan }): Promise<void> {
  const limit = PROJECT_LIMITS[org.plan];
  if (limit === null) return;
  const used = await db.$count(projects, eq(projects.orgId, org.id));
  if (used >= limit) {
    throw new ApiError(
      'quota_exceeded',
      `The ${org.plan} plan allows ${limit} project${limit === 1 ? '' : 's'}; upgrade the plan or delete a project first`,
      { details: { plan: org.plan, limit, used } },
    );
  }
}

/** Clusters (not deleted) an organization may hold; null is unlimited. */
export const CLUSTER_LIMITS: Record<Plan, number | null> = { free: 1, pro: 10, team: 50, enterprise: null };

/** 422 when the org already holds as many clusters as its plan allows. Call with the org locked. */
export async function requireClusterQuota(db: Queryable, org: { id: string; plan: Plan }): Promise<void> {
  const limit = CLUSTER_LIMITS[org.plan];
  if (limit === null) return;
  const used = await db.$count(clusters, and(eq(clusters.orgId, org.id), isNull(clusters.deletedAt)));
  if (used >= limit) {
    throw new ApiError(
      'quota_exceeded',
      `The ${org.plan} plan allows ${limit} cluster${limit === 1 ? '' : 's'}; upgrade the plan or delete a cluster first`,
      { details: { plan: org.plan, limit, used } },
    );
  }
}

/** The longest backup retention each plan allows, in days. */
export const BACKUP_RETENTION_LIMITS: Record<Plan, number> = { free: 7, pro: 14, team: 30, enterprise: 90 };

/** 422 when a cluster asks to keep its backups longer than its org's plan allows. */
export function requireBackupRetention(org: { plan: Plan }, days: number | undefined): void {
  if (days === undefined) return;
  const limit = BACKUP_RETENTION_LIMITS[org.plan];
  if (days > limit) {
    throw new ApiError('quota_exceeded', `The ${org.plan} plan keeps backups at most ${limit} days; upgrade the plan or ask for fewer`, {
      details: { plan: org.plan, limit, requested: days },
    });
  }
}
