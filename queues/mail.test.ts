import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { mailOutbox } from '../drizzle/schema.ts';
import worker from '../workers/index.ts';
import type { Bindings } from '../workers/env.ts';
import { seal } from '../protocol/sealing.ts';
import { newId } from '../protocol/ids.ts';
import { mailbox } from '../workers/test/auth-flows.ts';
import { uniqueEmail, withCatalog } from '../workers/test/harness.ts';

const bindings = env as unknown as Bindings;

/**
 * An outbox row written directly, with no queue message behind it, so only the batch this test hands to the
 * consumer can deliver it.
 */
async function outboxMail(to: string): Promise<string> {
  const id = newId('mail');
  const bodyCiphertext = await seal(bindings.ENCRYPTION_KEY, 'hello from the queue test');
  await withCatalog((db) => db.insert(mailOutbox).values({ id, recipient: to, subject: 'Queue test', bodyCiphertext }));
  return id;
}

async function runQueue(queue: string, bodies: Array<{ id: string; body: unknown }>) {
  const batch = createMessageBatch<unknown>(
    queue,
    bodies.map(({ id, body }) => ({ id, body, timestamp: new Date(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings);
  return getQueueResult(batch, ctx);
}

describe('mail queue consumer', () => {
  it('delivers an outbox mail, stamps sent_at and acks the message', async () => {
    const to = uniqueEmail('queue');
    const mailId = await outboxMail(to);
    expect((await mailbox(to))[0]).toMatchObject({ id: mailId, sent_at: null, text: 'hello from the queue test' });

    const before = Date.now();
    const result = await runQueue('orochi-mail', [{ id: 'msg-deliver', body: { mail_id: mailId } }]);
    expect(result.explicitAcks).toEqual(['msg-deliver']);
    expect(result.retryMessages).toEqual([]);

    const [mail] = await mailbox(to);
    expect(mail!.sent_at).not.toBeNull();
    expect(new Date(mail!.sent_at!).getTime()).toBeGreaterThanOrEqual(before - 1000);

    // Delivering the same message again (a queue redelivery) acks without sending twice.
    const again = await runQueue('orochi-mail', [{ id: 'msg-redeliver', body: { mail_id: mailId } }]);
    expect(again.explicitAcks).toEqual(['msg-redeliver']);
    expect((await mailbox(to))[0]!.sent_at).toBe(mail!.sent_at);
  });

  it('acks malformed messages and messages for unknown mail instead of retrying them', async () => {
    const result = await runQueue('orochi-mail', [
      { id: 'msg-not-an-object', body: 'garbage' },
      { id: 'msg-wrong-shape', body: { mailId: 'mail_x' } },
      { id: 'msg-unknown-mail', body: { mail_id: 'mail_00000000000000000000000000' } },
    ]);
    expect([...result.explicitAcks].sort()).toEqual(['msg-not-an-object', 'msg-unknown-mail', 'msg-wrong-shape']);
    expect(result.retryMessages).toEqual([]);
    expect(result.retryBatch.retry).toBe(false);
  });

  it('retries a batch from a queue it does not consume', async () => {
    const result = await runQueue('some-other-queue', [{ id: 'msg-elsewhere', body: { mail_id: 'mail_x' } }]);
    expect(result.retryBatch.retry).toBe(true);
    expect(result.explicitAcks).toEqual([]);
  });
});
