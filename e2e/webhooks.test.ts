// Signed webhooks on the whole local stack: a receiver on 127.0.0.1 (allowed outside production) gets the test ping
// and the cluster and operation events of a cluster being created, each checked with the standardwebhooks library
// (a verifier written apart from this code base); a receiver answering 500 to each first attempt gets the retry
// through the queue; the delivery log shows the response codes; a redelivery arrives again under the same id.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startStack, type Stack } from '../dev/stack.ts';
import { stackClient, type Session } from './stack-client.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

let stack: Stack;
let dataDir: string;
let client: ReturnType<typeof stackClient>;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
const logs: string[] = [];

/** `/ok` answers 204; `/flaky` answers 500 to the first attempt of each message and 200 after. */
function startReceiver(): Promise<Server> {
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // The same event goes to every endpoint under one webhook-id: attempts are told apart per path.
      const attempt = `${req.url} ${String(req.headers['webhook-id'])}`;
      const answered = req.url !== '/flaky' ? 204 : seen.has(attempt) ? 200 : 500;
      seen.add(attempt);
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      res.writeHead(answered).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function eventually<T>(what: string, read: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; received ${received.map((r) => `${r.path} ${r.answered} ${r.body.slice(0, 80)}`).join(' | ')}`);
}

function verified(secret: string, request: Received) {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as { type: string; timestamp: string; data: Record<string, any> };
}

beforeAll(async () => {
  receiver = await startReceiver();
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-e2e-webhooks-'));
  const port = 28787 + Math.floor(Math.random() * 1000);
  stack = await startStack({ dataDir, port, wranglerLogLevel: 'warn', output: (source, line) => logs.push(`[${source}] ${line}`) });
  client = stackClient(stack);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (dataDir) await removeDataDir(dataDir);
  await new Promise((r) => receiver?.close(r));
}, 60_000);

describe('signed webhooks on the local stack', () => {
  let session: Session;
  let ok: { id: string; secret: string };
  let flaky: { id: string; secret: string };

  it('creates endpoints whose secrets are shown once, and a test ping arrives signed', async () => {
    session = await client.signUp();
    const a = await client.api('POST', '/v1/webhooks', session.token, { url: `${receiverUrl}/ok`, event_types: ['cluster.*', 'operation.*'] });
    expect(a.status).toBe(201);
    ok = { id: a.body.webhook.id, secret: a.body.secret };
    const b = await client.api('POST', '/v1/webhooks', session.token, { url: `${receiverUrl}/flaky`, event_types: ['operation.*'] });
    flaky = { id: b.body.webhook.id, secret: b.body.secret };

    const ping = await client.api('POST', `/v1/webhooks/${ok.id}/test`, session.token);
    expect(ping.status).toBe(202);
    const got = await eventually('the ping', () => received.find((r) => r.headers['webhook-id'] === ping.body.message_id));
    expect(got.path).toBe('/ok');
    expect(verified(ok.secret, got)).toMatchObject({ type: 'webhook.test', data: { webhook_id: ok.id } });
    // Signed with this endpoint's secret alone.
    expect(() => verified(flaky.secret, got)).toThrow();
    expect(received.filter((r) => r.path === '/flaky')).toEqual([]);
  });

  it("delivers a new cluster's cluster.* and operation.* events, each verifying, and retries a 500 until it succeeds", async () => {
    const created = await client.api('POST', '/v1/clusters', session.token, { name: 'e2e-hooks', region_id: stack.localRegionId });
    expect(created.status).toBe(202);
    const clusterId: string = created.body.cluster.id;
    const operationId: string = created.body.operation.id;
    const events = () =>
      received.filter((r) => r.path === '/ok' && r.headers['webhook-id'] !== undefined).map((r) => ({ r, event: verified(ok.secret, r) }));
    await eventually('the running cluster and the finished operation', () =>
      events().some(({ event }) => event.type === 'cluster.updated' && event.data.cluster.id === clusterId && event.data.cluster.status === 'running') &&
      events().some(({ event }) => event.type === 'operation.updated' && event.data.operation.id === operationId && event.data.operation.status === 'finished')
        ? true
        : undefined,
    120_000);
    expect(events().every(({ event }) => ['cluster.updated', 'operation.updated', 'webhook.test'].includes(event.type))).toBe(true);
    expect(received.some((r) => /password/i.test(r.body))).toBe(false);

    // The flaky receiver: its first attempt at each message got 500, the queue's retry got 200, same webhook-id.
    const retried = await eventually('a retried delivery', () => {
      const flakyIds = new Set(received.filter((r) => r.path === '/flaky' && r.answered === 200).map((r) => String(r.headers['webhook-id'])));
      return [...flakyIds][0];
    }, 90_000);
    const attempts = received.filter((r) => r.path === '/flaky' && r.headers['webhook-id'] === retried);
    expect(attempts.map((r) => r.answered)).toEqual([500, 200]);
    for (const attempt of attempts) expect(verified(flaky.secret, attempt).type).toBe('operation.updated');

    const log = await eventually('the delivery log to show the success', async () => {
      const res = await client.api('GET', `/v1/webhooks/${flaky.id}/deliveries?limit=100`, session.token);
      const entry = res.body.data.find((d: { message_id: string; status: string }) => d.message_id === retried && d.status === 'succeeded');
      return entry;
    });
    expect(log).toMatchObject({ attempts: 2, response_status: 200, error: null, event_type: 'operation.updated' });
    expect(log.duration_ms).toBeGreaterThanOrEqual(0);
  }, 240_000);

  it('keeps a delivery log with response codes, and redelivers under the same webhook-id', async () => {
    const res = await client.api('GET', `/v1/webhooks/${ok.id}/deliveries?limit=100`, session.token);
    expect(res.status).toBe(200);
    const delivered = res.body.data.filter((d: { status: string }) => d.status === 'succeeded');
    expect(delivered.length).toBeGreaterThanOrEqual(3);
    for (const d of delivered) expect(d).toMatchObject({ response_status: 204, attempts: 1 });
    const ping = res.body.data.find((d: { event_type: string }) => d.event_type === 'webhook.test');
    expect(ping).toBeDefined();

    const pingCopies = () => received.filter((r) => r.path === '/ok' && r.headers['webhook-id'] === ping.message_id);
    const before = pingCopies().length;
    const again = await client.api('POST', `/v1/webhooks/${ok.id}/deliveries/${ping.id}/redeliver`, session.token);
    expect(again.status).toBe(202);
    await eventually('the redelivery', () => (pingCopies().length > before ? true : undefined));
    const copies = pingCopies();
    expect(copies.map((r) => r.body)).toEqual([copies[0]!.body, copies[0]!.body]);
    for (const copy of copies) expect(verified(ok.secret, copy).type).toBe('webhook.test');
    const after = await eventually('the log to show the second attempt', async () => {
      const entry = (await client.api('GET', `/v1/webhooks/${ok.id}/deliveries?limit=100`, session.token)).body.data.find((d: { id: string }) => d.id === ping.id);
      return entry.status === 'succeeded' && entry.attempts === 2 ? entry : undefined;
    });
    expect(after.response_status).toBe(204);
  }, 120_000);
});
