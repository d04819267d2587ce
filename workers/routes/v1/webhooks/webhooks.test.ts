import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, webhookDeliveries, webhookEndpoints } from '../../../../drizzle/schema.ts';
import { newId } from '../../../../protocol/ids.ts';
import { unseal } from '../../../../protocol/sealing.ts';
import { call, errorCode, joinOrg, signUp, withCatalog, type Account } from '../../../test/harness.ts';
import { env } from 'cloudflare:test';
import type { Bindings } from '../../../env.ts';

const bindings = env as unknown as Bindings;

async function createEndpoint(owner: Account, body: Record<string, unknown> = {}) {
  const res = await call('POST', '/v1/webhooks', { token: owner.token, body: { url: 'http://127.0.0.1:9/hook', ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { webhook: { id: string; [k: string]: unknown }; secret: string };
}

async function seedDelivery(endpointId: string, orgId: string, status: 'pending' | 'succeeded' | 'failed') {
  const id = newId('whd');
  await withCatalog((db) =>
    db.insert(webhookDeliveries).values({ id, endpointId, orgId, messageId: newId('msg'), eventType: 'cluster.updated', payload: '{"type":"cluster.updated"}', status, attempts: 3, responseStatus: 500, durationMs: 12 }),
  );
  return id;
}

describe('webhook endpoints', () => {
  it('creates an endpoint with its signing secret shown once, sealed at rest, and lists, reads, changes and deletes it', async () => {
    const owner = await signUp();
    const created = await createEndpoint(owner, { description: 'Deploy bot', event_types: ['cluster.*', 'operation.updated', 'cluster.*'] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created.webhook).toMatchObject({ org_id: owner.orgId, url: 'http://127.0.0.1:9/hook', description: 'Deploy bot', event_types: ['cluster.*', 'operation.updated'], enabled: true, failure_streak: 0 });
    const [row] = await withCatalog((db) => db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, created.webhook.id)));
    expect(row!.secretCiphertext).not.toContain(created.secret.slice(6));
    expect(await unseal(bindings.ENCRYPTION_KEY, row!.secretCiphertext)).toBe(created.secret);

    const got = await call('GET', `/v1/webhooks/${created.webhook.id}`, { token: owner.token });
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.body)).not.toContain(created.secret);
    const list = await call('GET', '/v1/webhooks', { token: owner.token });
    expect(list.body.data.map((w: { id: string }) => w.id)).toEqual([created.webhook.id]);
    expect(JSON.stringify(list.body)).not.toContain(created.secret);

    const changed = await call('PATCH', `/v1/webhooks/${created.webhook.id}`, { token: owner.token, body: { event_types: ['backup.*'], enabled: false } });
    expect(changed.status).toBe(200);
    expect(changed.body.webhook).toMatchObject({ event_types: ['backup.*'], enabled: false });

    const deleted = await call('DELETE', `/v1/webhooks/${created.webhook.id}`, { token: owner.token });
    expect(deleted.status).toBe(200);
    expect((await call('GET', `/v1/webhooks/${created.webhook.id}`, { token: owner.token })).status).toBe(404);
    const actions = await withCatalog((db) => db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, created.webhook.id)));
    expect(actions.map((a) => a.action).sort()).toEqual(['webhook.created', 'webhook.deleted', 'webhook.updated']);
  });

  it('rotates the signing secret: the new one is shown once and replaces the old one at rest', async () => {
    const owner = await signUp();
    const { webhook, secret } = await createEndpoint(owner);
    const rotated = await call('POST', `/v1/webhooks/${webhook.id}/rotate-secret`, { token: owner.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    const [row] = await withCatalog((db) => db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, webhook.id)));
    expect(await unseal(bindings.ENCRYPTION_KEY, row!.secretCiphertext)).toBe(rotated.body.secret);
    expect(JSON.stringify((await call('GET', `/v1/webhooks/${webhook.id}`, { token: owner.token })).body)).not.toContain(rotated.body.secret);
  });

  it('enabling a disabled endpoint clears its failure streak', async () => {
    const owner = await signUp();
    const { webhook } = await createEndpoint(owner);
    await withCatalog((db) =>
      db.update(webhookEndpoints).set({ enabled: false, disabledReason: 'Disabled after 12 failed attempts', failureStreak: 12, failingSince: new Date(Date.now() - 2 * 86_400_000) }).where(eq(webhookEndpoints.id, webhook.id)),
    );
    const res = await call('PATCH', `/v1/webhooks/${webhook.id}`, { token: owner.token, body: { enabled: true } });
    expect(res.body.webhook).toMatchObject({ enabled: true, disabled_reason: null, failure_streak: 0 });
  });

  it('shows the delivery log newest first with response codes, pages it, and redelivers a finished delivery', async () => {
    const owner = await signUp();
    const { webhook } = await createEndpoint(owner);
    const first = await seedDelivery(webhook.id, owner.orgId, 'failed');
    const second = await seedDelivery(webhook.id, owner.orgId, 'succeeded');
    const page1 = await call('GET', `/v1/webhooks/${webhook.id}/deliveries?limit=1`, { token: owner.token });
    expect(page1.status).toBe(200);
    expect(page1.body.data).toEqual([expect.objectContaining({ id: second, webhook_id: webhook.id, status: 'succeeded', response_status: 500, duration_ms: 12, attempts: 3 })]);
    const page2 = await call('GET', `/v1/webhooks/${webhook.id}/deliveries?limit=1&cursor=${page1.body.next_cursor}`, { token: owner.token });
    expect(page2.body.data.map((d: { id: string }) => d.id)).toEqual([first]);

    const again = await call('POST', `/v1/webhooks/${webhook.id}/deliveries/${first}/redeliver`, { token: owner.token });
    expect(again.status).toBe(202);
    expect(again.body.delivery).toMatchObject({ id: first, status: 'pending' });
    // Still being attempted: a second redeliver is refused rather than doubling the attempts.
    const twice = await call('POST', `/v1/webhooks/${webhook.id}/deliveries/${first}/redeliver`, { token: owner.token });
    expect([twice.status, errorCode(twice)]).toEqual([409, 'conflict']);
    const unknown = await call('POST', `/v1/webhooks/${webhook.id}/deliveries/${newId('whd')}/redeliver`, { token: owner.token });
    expect(unknown.status).toBe(404);
  });

  it('queues a test ping, and refuses one to a disabled endpoint', async () => {
    const owner = await signUp();
    const { webhook } = await createEndpoint(owner);
    const ping = await call('POST', `/v1/webhooks/${webhook.id}/test`, { token: owner.token });
    expect(ping.status).toBe(202);
    expect(ping.body.message_id).toMatch(/^msg_/);
    await call('PATCH', `/v1/webhooks/${webhook.id}`, { token: owner.token, body: { enabled: false } });
    const refused = await call('POST', `/v1/webhooks/${webhook.id}/test`, { token: owner.token });
    expect([refused.status, errorCode(refused)]).toEqual([409, 'conflict']);
  });

  it('refuses unknown event types and non-http URLs', async () => {
    const owner = await signUp();
    const badType = await call('POST', '/v1/webhooks', { token: owner.token, body: { url: 'https://example.com/h', event_types: ['cluster.exploded'] } });
    expect([badType.status, errorCode(badType)]).toEqual([400, 'validation_failed']);
    const badScheme = await call('POST', '/v1/webhooks', { token: owner.token, body: { url: 'ftp://example.com/h' } });
    expect([badScheme.status, errorCode(badScheme)]).toEqual([400, 'validation_failed']);
  });

  it('in production refuses loopback, private, link-local and localhost URLs at creation and on change (the SSRF guard)', async () => {
    const production = { bindings: { ENVIRONMENT: 'production' } };
    const owner = await signUp();
    for (const url of ['https://127.0.0.1/hook', 'https://localhost/hook', 'https://10.0.0.5/hook', 'https://169.254.169.254/latest', 'https://[::1]/hook', 'http://example.com/hook']) {
      const res = await call('POST', '/v1/webhooks', { token: owner.token, body: { url }, ...production });
      expect([res.status, errorCode(res)], url).toEqual([400, 'validation_failed']);
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'url' })]);
    }
    const ok = await call('POST', '/v1/webhooks', { token: owner.token, body: { url: 'https://example.com/hook' }, ...production });
    expect(ok.status).toBe(201);
    const change = await call('PATCH', `/v1/webhooks/${ok.body.webhook.id}`, { token: owner.token, body: { url: 'https://192.168.0.1/hook' }, ...production });
    expect([change.status, errorCode(change)]).toEqual([400, 'validation_failed']);
    expect((await withCatalog((db) => db.select().from(webhookEndpoints).where(eq(webhookEndpoints.orgId, owner.orgId)))).length).toBe(1);
  });

  it('lets an admin manage endpoints and nobody below', async () => {
    const owner = await signUp();
    const admin = await joinOrg(owner, owner.orgId, 'admin');
    const developer = await joinOrg(owner, owner.orgId, 'developer');
    const { webhook } = await createEndpoint(admin, { org_id: owner.orgId });
    expect((await call('GET', `/v1/webhooks/${webhook.id}`, { token: admin.token })).status).toBe(200);
    const refused = await call('GET', `/v1/webhooks/${webhook.id}`, { token: developer.token });
    expect([refused.status, errorCode(refused)]).toEqual([403, 'forbidden']);
  });
});
