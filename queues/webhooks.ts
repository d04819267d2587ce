// The webhooks queue. An `event` message fans out: one delivery row per enabled endpoint of the org whose filter
// matches (unique per endpoint and event, so a retried fan-out adds nothing twice) and one `delivery` message each.
// A `delivery` message makes one signed attempt (core/webhooks/signing.ts) with a timeout, never following
// redirects, and records the response code and duration; a failure is retried through the queue with a growing
// delay (core/webhooks/failures.ts) until the dead-letter queue marks the delivery failed. An endpoint failing
// long enough is disabled and the org's owners and admins are mailed. Each endpoint's log keeps DELIVERY_LOG_DAYS,
// pruned as new events fan out to it.
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { memberships, organizations, users, webhookDeliveries, webhookEndpoints } from '../drizzle/schema.ts';
import type { ObjectBindings } from '../durable-objects/bindings.ts';
import { openDatabase, type Queryable } from '../core/db.ts';
import { log } from '../core/logger.ts';
import { appLink, writeMail } from '../core/mail.ts';
import { isLocal, parseSettings, type Settings } from '../core/settings.ts';
import { firstIdAt, newId } from '../protocol/ids.ts';
import { unseal } from '../protocol/sealing.ts';
import { refusedDestination } from '../core/webhooks/destinations.ts';
import { eventBody, filterMatches } from '../core/webhooks/events.ts';
import { ATTEMPT_TIMEOUT_MS, DELIVERY_LOG_DAYS, retryDelaySeconds, shouldDisable } from '../core/webhooks/failures.ts';
import { webhookMessageSchema, type WebhookMessage } from '../core/webhooks/messages.ts';
import { signedHeaders } from '../core/webhooks/signing.ts';

type EventMessage = Extract<WebhookMessage, { kind: 'event' }>;
type Outcome = { ok: true; status: number; durationMs: number } | { ok: false; status: number | null; durationMs: number; error: string };

export async function consumeWebhooks(batch: MessageBatch<unknown>, env: ObjectBindings): Promise<void> {
  const settings = parseSettings(env);
  const database = openDatabase(settings);
  try {
    for (const message of batch.messages) {
      const parsed = webhookMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        log('warn', 'webhook message dropped: malformed', { message_id: message.id });
        message.ack();
        continue;
      }
      try {
        if (parsed.data.kind === 'event') await fanOut(database.http(), env, parsed.data);
        else if (await deliver(database.http(), env, settings, parsed.data.delivery_id, message.attempts)) {
          message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
          continue;
        }
        message.ack();
      } catch (error) {
        log('error', 'webhook message failed', { message_id: message.id, error: String(error) });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }
  } finally {
    await database.close();
  }
}

/** Deliveries whose retries ran out are failed for good (a redeliver can still send them). */
export async function consumeWebhookDeadLetters(batch: MessageBatch<unknown>, env: ObjectBindings): Promise<void> {
  const database = openDatabase(parseSettings(env));
  try {
    for (const message of batch.messages) {
      const parsed = webhookMessageSchema.safeParse(message.body);
      if (parsed.success && parsed.data.kind === 'delivery') {
        await database
          .http()
          .update(webhookDeliveries)
          .set({ status: 'failed' })
          .where(and(eq(webhookDeliveries.id, parsed.data.delivery_id), eq(webhookDeliveries.status, 'pending')));
      } else {
        log('error', 'webhook event dead-lettered', { message_id: message.id });
      }
      message.ack();
    }
  } finally {
    await database.close();
  }
}

async function fanOut(db: Queryable, env: ObjectBindings, event: EventMessage): Promise<void> {
  const conditions = [eq(webhookEndpoints.orgId, event.org_id), eq(webhookEndpoints.enabled, true)];
  if (event.endpoint_id) conditions.push(eq(webhookEndpoints.id, event.endpoint_id));
  const endpoints = (await db.select().from(webhookEndpoints).where(and(...conditions))).filter((e) => filterMatches(e.eventTypes, event.type));
  if (endpoints.length === 0) return;
  const payload = eventBody({ ...event });
  const rows = await db
    .insert(webhookDeliveries)
    .values(endpoints.map((e) => ({ id: newId('whd'), endpointId: e.id, orgId: event.org_id, messageId: event.message_id, eventType: event.type, payload })))
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.id });
  if (rows.length > 0) await env.WEBHOOK_QUEUE.sendBatch(rows.map((r) => ({ body: { kind: 'delivery' as const, delivery_id: r.id } })));
  // Delivery ids are time-ordered, so the old end of each endpoint's log is a range of its (endpoint_id, id) index.
  const cutoff = firstIdAt('whd', Date.now() - DELIVERY_LOG_DAYS * 86_400_000);
  await db.delete(webhookDeliveries).where(and(inArray(webhookDeliveries.endpointId, endpoints.map((e) => e.id)), lt(webhookDeliveries.id, cutoff)));
}

/** One attempt; true when it failed and should be retried. */
async function deliver(db: Queryable, env: ObjectBindings, settings: Settings, deliveryId: string, attempt: number): Promise<boolean> {
  const [row] = await db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!row || row.delivery.status !== 'pending') return false;
  const { delivery, endpoint } = row;
  if (!endpoint.enabled) {
    await db.update(webhookDeliveries).set({ status: 'failed', error: 'The endpoint is disabled' }).where(eq(webhookDeliveries.id, deliveryId));
    return false;
  }
  const refused = refusedDestination(endpoint.url, isLocal(settings));
  if (refused) {
    await db.update(webhookDeliveries).set({ status: 'failed', error: refused, lastAttemptAt: new Date() }).where(eq(webhookDeliveries.id, deliveryId));
    return false;
  }
  const secret = await unseal(settings.ENCRYPTION_KEY, endpoint.secretCiphertext);
  const outcome = await sendAttempt(endpoint.url, await signedHeaders(secret, delivery.messageId, Math.floor(Date.now() / 1000), delivery.payload), delivery.payload);
  const now = new Date();
  await db
    .update(webhookDeliveries)
    .set({
      status: outcome.ok ? 'succeeded' : 'pending',
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      responseStatus: outcome.status,
      durationMs: outcome.durationMs,
      error: outcome.ok ? null : outcome.error,
      lastAttemptAt: now,
    })
    .where(eq(webhookDeliveries.id, deliveryId));
  if (outcome.ok) {
    await db.update(webhookEndpoints).set({ failureStreak: 0, failingSince: null }).where(eq(webhookEndpoints.id, endpoint.id));
    return false;
  }
  const [failing] = await db
    .update(webhookEndpoints)
    .set({ failureStreak: sql`${webhookEndpoints.failureStreak} + 1`, failingSince: sql`coalesce(${webhookEndpoints.failingSince}, now())` })
    .where(eq(webhookEndpoints.id, endpoint.id))
    .returning();
  log('warn', 'webhook attempt failed', { delivery_id: deliveryId, endpoint_id: endpoint.id, attempt, status: outcome.status, error: outcome.error });
  if (failing && failing.enabled && shouldDisable(failing.failureStreak, failing.failingSince ?? now, now)) {
    await disable(db, env, settings, failing.id, failing.orgId, failing.url, failing.failureStreak);
    await db.update(webhookDeliveries).set({ status: 'failed' }).where(eq(webhookDeliveries.id, deliveryId));
    return false;
  }
  return true;
}

async function sendAttempt(url: string, headers: Record<string, string>, body: string): Promise<Outcome> {
  const started = Date.now();
  try {
    const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
    await response.body?.cancel();
    const durationMs = Date.now() - started;
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, durationMs };
    return { ok: false, status: response.status, durationMs, error: `The endpoint answered ${response.status}` };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return { ok: false, status: null, durationMs: Date.now() - started, error: timedOut ? `No answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` : 'The endpoint could not be reached' };
  }
}

async function disable(db: Queryable, env: ObjectBindings, settings: Settings, endpointId: string, orgId: string, url: string, failures: number): Promise<void> {
  const reason = `Disabled after ${failures} failed attempts in a row over more than a day`;
  const [disabled] = await db
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: reason, updatedAt: new Date() })
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.enabled, true)))
    .returning({ id: webhookEndpoints.id });
  if (!disabled) return;
  log('warn', 'webhook endpoint disabled', { endpoint_id: endpointId, org_id: orgId, failures });
  const [org] = await db.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, orgId));
  const recipients = await db
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), inArray(memberships.role, ['owner', 'admin'])));
  const mailIds: string[] = [];
  for (const { email } of recipients) {
    mailIds.push(
      await writeMail(db, settings, {
        to: email,
        subject: `Webhook endpoint disabled in ${org?.name ?? orgId}`,
        text:
          `The webhook endpoint ${url} (${endpointId}) of ${org?.name ?? orgId} failed every delivery attempt for more than a day ` +
          `(${failures} attempts) and has been disabled; no more events are sent to it.\n\n` +
          `Fix the receiver, then enable the endpoint again (PATCH /v1/webhooks/${endpointId} with {"enabled": true}) and redeliver ` +
          `what it missed from its delivery log: ${appLink(settings, '/settings/webhooks', {})}\n`,
      }),
    );
  }
  if (mailIds.length > 0) await env.MAIL_QUEUE.sendBatch(mailIds.map((mail_id) => ({ body: { mail_id } })));
}
