// The SQL editor's statements in the catalog. Each one is audited as `cluster.query` with its id, the SHA-256 of its
// text and the first characters of it, never its parameters. That audit row is also how DELETE /v1/queries/{id}
// finds the statement's cluster: it is written as the statement is dispatched, so no second table has to be kept in
// step with the audit log, and a statement can run for at most the longest statement_timeout, so the lookup only
// reads the organization's audit rows of the last few minutes (an index range on audit_log(org_id, id), whose ids
// are time-ordered).
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import { auditLog, clusters, memberships } from '../../drizzle/schema.ts';
import type { Role } from '../../protocol/enums.ts';
import { firstIdAt } from '../../protocol/ids.ts';
import { OBSERVABILITY_LIMITS } from '../../protocol/observability.ts';
import { audit } from '../audit.ts';
import { sha256Hex } from '../crypto.ts';
import type { Queryable } from '../db.ts';
import { currentKeyGrant } from '../identity/key-grant.ts';
import type { Principal, RequestMeta } from '../request.ts';
import type { ClusterRow } from './serialize.ts';

export const QUERY_AUDIT_ACTION = 'cluster.query';

/** What the region may take beyond the statement's own timeout to answer (connecting, sending the rows). */
export const QUERY_ANSWER_MARGIN_MS = 5_000;

export interface AuditedStatement {
  queryId: string;
  sql: string;
  readOnly: boolean;
}

export async function auditStatement(db: Queryable, meta: RequestMeta, cluster: ClusterRow, statement: AuditedStatement): Promise<void> {
  await audit(db, meta, {
    orgId: cluster.orgId,
    action: QUERY_AUDIT_ACTION,
    targetType: 'cluster',
    targetId: cluster.id,
    metadata: {
      query_id: statement.queryId,
      sql_sha256: await sha256Hex(statement.sql),
      sql_preview: statement.sql.slice(0, OBSERVABILITY_LIMITS.auditedSqlChars),
      read_only: statement.readOnly,
    },
  });
}

export interface RecentStatement {
  orgId: string;
  clusterId: string;
  regionId: string;
  /** The caller's role in the statement's organization. */
  role: Role;
}

/**
 * The statement with this id that may still be running, in an organization the caller belongs to (the newest, if
 * a client reused its id); null for one never sent, one of another organization, or one long over.
 */
export async function findRecentStatement(db: Queryable, principal: Principal, queryId: string, now = Date.now()): Promise<RecentStatement | null> {
  const since = firstIdAt('aud', now - OBSERVABILITY_LIMITS.statementTimeoutMaxMs - QUERY_ANSWER_MARGIN_MS);
  // An API key finds statements of its own org (and project) only; others are as unknown as another org's.
  const grant = currentKeyGrant();
  const [row] = await db
    .select({ orgId: clusters.orgId, clusterId: clusters.id, regionId: clusters.regionId, role: memberships.role })
    .from(auditLog)
    .innerJoin(memberships, and(eq(memberships.orgId, auditLog.orgId), eq(memberships.userId, principal.userId)))
    .innerJoin(clusters, eq(clusters.id, auditLog.targetId))
    .where(
      and(
        gte(auditLog.id, since),
        eq(auditLog.action, QUERY_AUDIT_ACTION),
        sql`${auditLog.metadata}->>'query_id' = ${queryId}`,
        grant ? eq(clusters.orgId, grant.orgId) : undefined,
        grant?.projectId ? eq(clusters.projectId, grant.projectId) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(1);
  return row ?? null;
}
