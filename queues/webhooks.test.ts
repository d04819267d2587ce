import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { mailOutbox, webhookDeliveries, webhookEndpoints } from '../drizzle/schema.ts';
import worker from '../workers/index.ts';
import type { Bindings } from '../workers/env.ts';
import { firstIdAt, newId } from '../protocol/ids.ts';
import type { WebhookMessage } from '../core/webhooks/messages.ts';
import { call, readMail, signUp, withCatalog, type Account } from '../workers/test/harness.ts';
import { createCluster, report, seedRegion } from '../workers/test/clusters.ts';

const bindings = env as unknown as Bindings;
// Nothing listens on the discard port, so every attempt there fails at once.
const UNREACHABLE = 'http://127.0.0.1:9/hook';

async function runQueue(queue: string, bodies: WebhookMessage[], overrides: Partial<Bindings> = {}) {
  const batch = createMessageBatch<unknown>(
    queue,
    bodies.map((body, i) => ({ id: `msg-${i}`, body, timestamp: new Date(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...bindings, ...overrides });
  return getQueueResult(batch, ctx);
}

async function endpoint(owner: Account, body: Record<string, unknown>): Promise<string> {
  const res = await call('POST', '/v1/webhooks', { token: owner.token, body: { url: UNREACHABLE, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.webhook.id;
}

const deliveriesOf = (endpointId: string) => withCatalog((db) => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId)));
const endpointRow = async (id: string) => (await withCatalog((db) => db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id))))[0]!;

function event(orgId: string, type: 'cluster.updated' | 'backup.updated'): Extract<WebhookMessage, { kind: 'event' }> {
  return { kind: 'event', message_id: newId('msg'), org_id: orgId, type, timestamp: new Date().toISOString(), data: { cluster: { id: 'cl_x' } } };
}

async function pendingDelivery(endpointId: string, orgId: string): Promise<string> {
  const id = newId('whd');
  await withCatalog((db) => db.insert(webhookDeliveries).values({ id, endpointId, orgId, messageId: newId('msg'), eventType: 'cluster.updated', payload: '{}' }));
  return id;
}

describe('webhook events from the ClusterDO', () => {
  it('a cluster created and running becomes operation and cluster deliveries to a matching endpoint, through the queue', async () => {
    const owner = await signUp();
    const id = await endpoint(owner, { event_types: ['cluster.*', 'operation.*'] });
    const regionId = await seedRegion(owner.orgId);
    const created = await createCluster(owner, regionId);
    expect(created.status).toBe(202);
    await report(regionId, created.body.cluster.id, { phase: 'running' });
    let types: string[] = [];
    for (let i = 0; i < 50 && !(types.includes('cluster.updated') && types.includes('operation.updated')); i++) {
      await new Promise((r) => setTimeout(r, 200));
      types = (await deliveriesOf(id)).map((d) => d.eventType);
    }
    expect(types).toEqual(expect.arrayContaining(['cluster.updated', 'operation.updated']));
    const bodies = (await deliveriesOf(id)).map((d) => JSON.parse(d.payload));
    expect(bodies).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'cluster.updated', data: { cluster: expect.objectContaining({ id: created.body.cluster.id }) } })]));
    expect(JSON.stringify(bodies)).not.toMatch(/password/i);
  });
});

describe('webhooks queue consumer', () => {
  it('fans an event out to the enabled endpoints whose filter matches, once however often the event is delivered', async () => {
    const owner = await signUp();
    const all = await endpoint(owner, {});
    const clusters = await endpoint(owner, { event_types: ['cluster.*'] });
    const backups = await endpoint(owner, { event_types: ['backup.*'] });
    const disabled = await endpoint(owner, {});
    await call('PATCH', `/v1/webhooks/${disabled}`, { token: owner.token, body: { enabled: false } });

    const message = event(owner.orgId, 'cluster.updated');
    const result = await runQueue('orochi-webhooks', [message, message]);
    expect(result.explicitAcks).toEqual(['msg-0', 'msg-1']);
    for (const id of [all, clusters]) {
      const rows = await deliveriesOf(id);
      expect(rows.map((r) => [r.messageId, r.eventType])).toEqual([[message.message_id, 'cluster.updated']]);
      expect(JSON.parse(rows[0]!.payload)).toEqual({ type: 'cluster.updated', timestamp: message.timestamp, data: { cluster: { id: 'cl_x' } } });
    }
    expect(await deliveriesOf(backups)).toEqual([]);
    expect(await deliveriesOf(disabled)).toEqual([]);
  });

  it('keeps 30 days of an endpoint’s delivery log, pruning older entries as new events arrive', async () => {
    const owner = await signUp();
    const id = await endpoint(owner, {});
    const old = firstIdAt('whd', Date.now() - 31 * 86_400_000).slice(0, -1) + '1';
    const recent = firstIdAt('whd', Date.now() - 29 * 86_400_000).slice(0, -1) + '1';
    await withCatalog((db) =>
      db.insert(webhookDeliveries).values([old, recent].map((d) => ({ id: d, endpointId: id, orgId: owner.orgId, messageId: newId('msg'), eventType: 'cluster.updated', payload: '{}', status: 'succeeded' as const }))),
    );
    await runQueue('orochi-webhooks', [event(owner.orgId, 'cluster.updated')]);
    const ids = (await deliveriesOf(id)).map((d) => d.id);
    expect(ids).toContain(recent);
    expect(ids).not.toContain(old);
    expect(ids).toHaveLength(2);
  });

  it('records a failed attempt and retries it with a delay, counting the endpoint’s failure streak', async () => {
    const owner = await signUp();
    const id = await endpoint(owner, {});
    const delivery = await pendingDelivery(id, owner.orgId);
    const result = await runQueue('orochi-webhooks', [{ kind: 'delivery', delivery_id: delivery }]);
    expect(result.retryMessages).toEqual([expect.objectContaining({ msgId: 'msg-0' })]);
    expect(result.explicitAcks).toEqual([]);
    const [row] = await deliveriesOf(id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, responseStatus: null, error: 'The endpoint could not be reached' });
    expect(row!.durationMs).toBeGreaterThanOrEqual(0);
    expect(await endpointRow(id)).toMatchObject({ failureStreak: 1, enabled: true });
  });

  it('disables an endpoint failing for over a day, fails its delivery and mails the org owner', async () => {
    const owner = await signUp();
    const id = await endpoint(owner, {});
    await withCatalog((db) => db.update(webhookEndpoints).set({ failureStreak: 9, failingSince: new Date(Date.now() - 25 * 3_600_000) }).where(eq(webhookEndpoints.id, id)));
    const delivery = await pendingDelivery(id, owner.orgId);
    const result = await runQueue('orochi-webhooks', [{ kind: 'delivery', delivery_id: delivery }]);
    expect(result.explicitAcks).toEqual(['msg-0']);
    expect(result.retryMessages).toEqual([]);
    expect(await endpointRow(id)).toMatchObject({ enabled: false, failureStreak: 10, disabledReason: expect.stringContaining('10 failed attempts') });
    expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'failed', attempts: 1 });
    const mail = await readMail(owner.email);
    expect(mail.subject).toMatch(/^Webhook endpoint disabled/);
    expect(mail.text).toContain(UNREACHABLE);
  });

  it('in production never attempts a private destination: the delivery fails without a retry', async () => {
    const owner = await signUp();
    const id = await endpoint(owner, {});
    const delivery = await pendingDelivery(id, owner.orgId);
    const result = await runQueue('orochi-webhooks', [{ kind: 'delivery', delivery_id: delivery }], { ENVIRONMENT: 'production' });
    expect(result.explicitAcks).toEqual(['msg-0']);
    expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'failed', attempts: 0, responseStatus: null, error: 'The URL must be https' });
    expect(await endpointRow(id)).toMatchObject({ failureStreak: 0 });
  });

  it('marks a dead-lettered delivery failed', async () => {
    const owner = await signUp();
    const id = await endpoint(owner, {});
    const delivery = await pendingDelivery(id, owner.orgId);
    const result = await runQueue('orochi-webhooks-dlq', [{ kind: 'delivery', delivery_id: delivery }]);
    expect(result.explicitAcks).toEqual(['msg-0']);
    expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'failed' });
    expect(await withCatalog((db) => db.select().from(mailOutbox).where(eq(mailOutbox.recipient, owner.email)))).toHaveLength(1); // the sign-up mail only
  });
});
