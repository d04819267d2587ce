// Every mutation leaves a row in audit_log, written in the same transaction as the change itself.
import { auditLog } from '../../drizzle/schema.ts';
import type { AppContext } from '../context.ts';
import type { Queryable } from './db.ts';
import { newId } from './ids.ts';

export interface AuditEntry {
  orgId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  metadata?: Record<string, unknown>;
  /** Defaults to the signed-in user. */
  actorId?: string | null;
  /** Defaults to 'user'; a region agent acting with its own credentials is an 'agent' (actorId: the region). */
  actorType?: 'user' | 'agent';
}

export async function audit(db: Queryable, c: AppContext, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    id: newId('aud'),
    orgId: entry.orgId,
    actorType: entry.actorType ?? 'user',
    actorId: entry.actorId === undefined ? (c.var.principal?.userId ?? null) : entry.actorId,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    ip: clientIp(c),
    requestId: c.var.requestId,
    metadata: entry.metadata ?? {},
  });
}

export function clientIp(c: AppContext): string {
  return c.req.header('cf-connecting-ip') ?? 'unknown';
}
