// Every mutation leaves a row in audit_log, written in the same transaction as the change itself.
import { auditLog } from '../drizzle/schema.ts';
import type { Queryable } from './db.ts';
import { newId } from '../protocol/ids.ts';
import type { RequestMeta } from './request.ts';

export interface AuditEntry {
  orgId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  metadata?: Record<string, unknown>;
  /** Defaults to the API key the request is made with, else the signed-in user. */
  actorId?: string | null;
  /**
   * Defaults to 'api_key' for a request made with a key (the entry's metadata then names the key's creator as
   * `on_behalf_of`), else 'user'; a region agent acting with its own credentials is an 'agent' (actorId: the region).
   */
  actorType?: 'user' | 'agent';
}

export async function audit(db: Queryable, meta: RequestMeta, entry: AuditEntry): Promise<void> {
  const byKey = entry.actorType === undefined && entry.actorId === undefined && meta.apiKeyId ? meta.apiKeyId : null;
  await db.insert(auditLog).values({
    id: newId('aud'),
    orgId: entry.orgId,
    actorType: byKey ? 'api_key' : (entry.actorType ?? 'user'),
    actorId: byKey ?? (entry.actorId === undefined ? meta.userId : entry.actorId),
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    ip: meta.ip,
    requestId: meta.requestId,
    metadata: byKey ? { ...entry.metadata, on_behalf_of: meta.userId } : (entry.metadata ?? {}),
  });
}
