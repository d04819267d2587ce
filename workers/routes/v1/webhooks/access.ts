// Loading an endpoint for its routes, and the shapes endpoints and deliveries are shown in. Another org's endpoint
// is 404, like a missing one; the sealed secret never leaves this file.
import { and, eq } from 'drizzle-orm';
import { memberships, webhookDeliveries, webhookEndpoints } from '../../../../drizzle/schema.ts';
import type { Queryable } from '../../../../core/db.ts';
import { ApiError, notFound } from '../../../../core/errors.ts';
import { requireKeyScope, requirePermission } from '../../../../core/identity/rbac.ts';
import type { Principal } from '../../../../core/request.ts';
import type { Settings } from '../../../../core/settings.ts';
import { isLocal } from '../../../../core/settings.ts';
import { refusedDestination } from '../../../../core/webhooks/destinations.ts';
import type { WebhookEndpoint } from '../../../schemas/webhooks.ts';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export function serializeWebhook(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    org_id: row.orgId,
    url: row.url,
    description: row.description,
    event_types: row.eventTypes,
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    failure_streak: row.failureStreak,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function serializeDelivery(row: DeliveryRow) {
  return {
    id: row.id,
    webhook_id: row.endpointId,
    message_id: row.messageId,
    event_type: row.eventType,
    status: row.status,
    attempts: row.attempts,
    response_status: row.responseStatus,
    duration_ms: row.durationMs,
    error: row.error,
    payload: row.payload,
    created_at: row.createdAt.toISOString(),
    last_attempt_at: row.lastAttemptAt?.toISOString() ?? null,
  };
}

/** An endpoint of an org the caller manages webhooks in; `lock` holds the row for the transaction. */
export async function requireWebhookManagement(db: Queryable, principal: Principal, id: string, options: { lock?: boolean } = {}) {
  const select = db
    .select({ endpoint: webhookEndpoints, role: memberships.role })
    .from(webhookEndpoints)
    .innerJoin(memberships, and(eq(memberships.orgId, webhookEndpoints.orgId), eq(memberships.userId, principal.userId)))
    .where(eq(webhookEndpoints.id, id))
    .limit(1);
  const [row] = options.lock ? await select.for('update', { of: webhookEndpoints }) : await select;
  if (!row) throw notFound('Webhook');
  requireKeyScope('Webhook', row.endpoint.orgId, null);
  requirePermission(row.role, 'webhooks:manage');
  return row.endpoint;
}

/** 400 for a destination the SSRF guard refuses (core/webhooks/destinations.ts). */
export function requireAllowedDestination(settings: Settings, url: string): void {
  const refused = refusedDestination(url, isLocal(settings));
  if (refused) throw new ApiError('validation_failed', refused, { details: [{ path: 'url', message: refused }] });
}
