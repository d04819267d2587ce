// RealtimeDO through real sockets: authentication on the socket, authorization of every subscribe, delivery
// of publishes, the protocol's error paths, hibernation, and fan-out.
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bindings } from '../../workers/env.ts';
import { realtimeFor } from './stub.ts';
import { call, joinOrg, seedCluster, signUp } from '../../workers/test/harness.ts';
import {
  clusterEventEvent,
  connect,
  connectReady,
  operationEvent,
  publish,
  statusEvent,
  type RealtimeClient,
} from '../../workers/test/realtime-client.ts';
import { CLOSE_CODES, REALTIME_LIMITS, type RealtimeEvent } from '../../protocol/realtime.ts';
import type { RealtimeDO } from './realtime-do.ts';

const stub = (orgId: string) => realtimeFor(env as unknown as Bindings, orgId);

const opened: RealtimeClient[] = [];
async function track<T extends RealtimeClient>(client: Promise<T>): Promise<T> {
  const c = await client;
  opened.push(c);
  return c;
}
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
  vi.useRealTimers();
});

const status = (clusterId: string) => statusEvent(clusterId);

describe('RealtimeDO subscriptions and publishing', () => {
  it('delivers a publish to a subscribed socket, with the channel it came on', async () => {
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const socket = await track(connectReady({ token: ada.token }));

    const subscribed = await socket.subscribe([`cluster:${clusterId}`, `org:${ada.orgId}`]);
    expect(subscribed).toEqual({ type: 'subscribed', channels: [`cluster:${clusterId}`, `org:${ada.orgId}`] });

    expect(await publish(ada.orgId, `cluster:${clusterId}`, status(clusterId))).toBe(1);
    expect(await socket.next('cluster.status')).toEqual({ ...status(clusterId), channel: `cluster:${clusterId}` });
    const operation = operationEvent(clusterId);
    expect(await publish(ada.orgId, `org:${ada.orgId}`, operation)).toBe(1);
    expect(await socket.next('operation.updated')).toEqual({ ...operation, channel: `org:${ada.orgId}` });
    // A publisher cannot redirect a frame to another channel by putting one in the message.
    const redirected = { ...clusterEventEvent(clusterId), channel: 'org:org_someone_else' };
    await publish(ada.orgId, `org:${ada.orgId}`, redirected);
    expect(await socket.next('cluster.event')).toEqual({ ...clusterEventEvent(clusterId), channel: `org:${ada.orgId}` });
  });

  it('counts exactly the open, authenticated sockets subscribed to the channel', async () => {
    const ada = await signUp();
    const [a, b] = [await seedCluster(ada.orgId, ada.projectId), await seedCluster(ada.orgId, ada.projectId)];
    const onA = [await track(connectReady({ token: ada.token })), await track(connectReady({ token: ada.token }))];
    const onB = await track(connectReady({ token: ada.token }));
    const leaving = await track(connectReady({ token: ada.token }));
    const anonymous = await track(connect({ orgId: ada.orgId }));
    for (const s of [...onA, leaving]) expect((await s.subscribe([`cluster:${a}`])).type).toBe('subscribed');
    expect((await onB.subscribe([`cluster:${b}`])).type).toBe('subscribed');
    leaving.close();
    await leaving.closed;

    expect(await publish(ada.orgId, `cluster:${a}`, status(a))).toBe(2);
    for (const s of onA) expect((await s.next('cluster.status')).channel).toBe(`cluster:${a}`);
    expect(await onB.drain()).toEqual([]);
    expect(await anonymous.drain()).toEqual([]);
    expect(await publish(ada.orgId, `cluster:${b}`, status(b))).toBe(1);
    expect(await publish(ada.orgId, `org:${ada.orgId}`, status(b))).toBe(0);
  });

  it("refuses another organization's channels, subscribes nothing, and delivers nothing from them", async () => {
    const ada = await signUp();
    const eve = await signUp();
    const own = await seedCluster(ada.orgId, ada.projectId);
    const foreign = await seedCluster(eve.orgId, eve.projectId);
    const socket = await track(connectReady({ token: ada.token }));

    const refused = await socket.subscribe([`cluster:${own}`, `cluster:${foreign}`]);
    expect(refused).toMatchObject({ type: 'error', code: 'forbidden', channels: [`cluster:${foreign}`] });
    expect(refused.message).toContain(`cluster:${foreign}`);
    expect(refused.request).toEqual({ type: 'subscribe', channels: [`cluster:${own}`, `cluster:${foreign}`] });
    const orgRefused = await socket.subscribe([`org:${eve.orgId}`]);
    expect(orgRefused).toMatchObject({ type: 'error', code: 'forbidden', channels: [`org:${eve.orgId}`] });

    // All or nothing: the allowed channel of the refused request was not subscribed either.
    expect(await publish(ada.orgId, `cluster:${own}`, status(own))).toBe(0);
    expect(await publish(ada.orgId, `cluster:${foreign}`, status(foreign))).toBe(0);
    expect(await publish(eve.orgId, `cluster:${foreign}`, status(foreign))).toBe(0);
    expect(await publish(eve.orgId, `org:${eve.orgId}`, status(foreign))).toBe(0);
    expect(await socket.drain()).toEqual([]);
  });

  it('refuses clusters that do not exist or are deleted, alike', async () => {
    const ada = await signUp();
    const deleted = await seedCluster(ada.orgId, ada.projectId, { deleted: true });
    const socket = await track(connectReady({ token: ada.token }));
    for (const channel of [`cluster:${deleted}`, 'cluster:cl_00000000000000000000000000']) {
      expect(await socket.subscribe([channel])).toMatchObject({ type: 'error', code: 'forbidden', channels: [channel] });
    }
  });

  it('stops delivering after unsubscribe, and handles one socket’s messages in the order sent', async () => {
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const socket = await track(connectReady({ token: ada.token }));
    expect((await socket.subscribe([`cluster:${clusterId}`])).type).toBe('subscribed');

    socket.send({ type: 'unsubscribe', channels: [`cluster:${clusterId}`] });
    expect(await socket.next('unsubscribed')).toEqual({ type: 'unsubscribed', channels: [`cluster:${clusterId}`] });
    expect(await publish(ada.orgId, `cluster:${clusterId}`, status(clusterId))).toBe(0);
    expect(await socket.drain()).toEqual([]);

    // The subscribe waits on the catalog; the unsubscribe sent right after it must still be applied after it.
    socket.send({ type: 'subscribe', channels: [`cluster:${clusterId}`] });
    socket.send({ type: 'unsubscribe', channels: [`cluster:${clusterId}`] });
    await socket.next('subscribed');
    await socket.next('unsubscribed');
    expect(await publish(ada.orgId, `cluster:${clusterId}`, status(clusterId))).toBe(0);
  });

  it('lets every role with clusters:read subscribe, and refuses billing both kinds of channel', async () => {
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const channels = [`org:${ada.orgId}`, `cluster:${clusterId}`];
    for (const role of ['admin', 'developer', 'viewer'] as const) {
      const member = await joinOrg(ada, ada.orgId, role);
      const socket = await track(connectReady({ token: member.token, orgId: ada.orgId }));
      expect([role, (await socket.subscribe(channels)).type]).toEqual([role, 'subscribed']);
    }
    const billing = await joinOrg(ada, ada.orgId, 'billing');
    const socket = await track(connectReady({ token: billing.token, orgId: ada.orgId }));
    for (const channel of channels) {
      const refused = await socket.subscribe([channel]);
      expect(refused).toMatchObject({ type: 'error', code: 'forbidden', channels: [channel] });
      expect(refused.message).toContain('billing');
    }
    expect(await publish(ada.orgId, `org:${ada.orgId}`, status(clusterId))).toBe(3);
    expect(await socket.drain()).toEqual([]);
  });

  it('applies a role change at once: the old sockets close, and new subscribes see the new role', async () => {
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const member = await joinOrg(ada, ada.orgId, 'viewer');
    const socket = await track(connectReady({ token: member.token, orgId: ada.orgId }));
    const path = `/v1/organizations/${ada.orgId}/members/${member.userId}`;
    const changed = await call('PATCH', path, { token: ada.token, body: { role: 'billing' } });
    expect(changed.status).toBe(200);
    expect(await socket.closed).toMatchObject({ code: CLOSE_CODES.membershipEnded });
    const fresh = await track(connectReady({ token: member.token, orgId: ada.orgId }));
    expect(await fresh.subscribe([`cluster:${clusterId}`])).toMatchObject({ type: 'error', code: 'forbidden' });
  });

  it('caps the channels of one socket', async () => {
    const ada = await signUp();
    const clusterIds: string[] = [];
    for (let i = 0; i < REALTIME_LIMITS.channelsPerSocket; i++) clusterIds.push(await seedCluster(ada.orgId, ada.projectId));
    const socket = await track(connectReady({ token: ada.token }));
    const all = clusterIds.map((id) => `cluster:${id}`);
    expect(await socket.subscribe(all)).toEqual({ type: 'subscribed', channels: all });
    // Subscribing again to what it has is not growth.
    expect((await socket.subscribe(all.slice(0, 3))).type).toBe('subscribed');
    const over = await socket.subscribe([`org:${ada.orgId}`]);
    expect(over).toMatchObject({ type: 'error', code: 'too_many_channels' });
    expect(await publish(ada.orgId, `org:${ada.orgId}`, status(clusterIds[0]!))).toBe(0);
    expect(await publish(ada.orgId, all.at(-1)!, status(clusterIds.at(-1)!))).toBe(1);
  });

  it('sends one frame per subscribed channel of a publish on several, each naming its channel', async () => {
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const [cluster, org] = [`cluster:${clusterId}`, `org:${ada.orgId}`];
    const both = await track(connectReady({ token: ada.token }));
    const clusterOnly = await track(connectReady({ token: ada.token }));
    const orgOnly = await track(connectReady({ token: ada.token }));
    expect((await both.subscribe([cluster, org])).type).toBe('subscribed');
    expect((await clusterOnly.subscribe([cluster])).type).toBe('subscribed');
    expect((await orgOnly.subscribe([org])).type).toBe('subscribed');

    expect(await publish(ada.orgId, [cluster, org], status(clusterId))).toBe(4);
    expect(await both.drain()).toEqual([
      { ...status(clusterId), channel: cluster },
      { ...status(clusterId), channel: org },
    ]);
    expect(await clusterOnly.drain()).toEqual([{ ...status(clusterId), channel: cluster }]);
    expect(await orgOnly.drain()).toEqual([{ ...status(clusterId), channel: org }]);
    // A channel named twice is still one frame.
    expect(await publish(ada.orgId, [org, org], status(clusterId))).toBe(2);
  });

  it('refuses, at the publisher, an unknown event type, a payload that does not match its type, and bad channels', async () => {
    const ada = await signUp();
    const channels = [`org:${ada.orgId}`];
    const { cluster } = status('cl_1');
    // Called inside the object: a rejected RPC leaks an unhandled rejection in the test pool
    // (cloudflare/workers-sdk#14736), though a real caller receives the error.
    await runInDurableObject(stub(ada.orgId), (instance: RealtimeDO) => {
      expect(() => instance.publish(['project:prj_1'], status('cl_1'))).toThrow(/channel/);
      expect(() => instance.publish([], status('cl_1'))).toThrow();
      // Each of these is refused by the compiler first (tsc checks this file); the runtime refuses them all the same.
      // @ts-expect-error not an event type of the protocol
      expect(() => instance.publish(channels, { type: 'cluster.deleted', cluster })).toThrow();
      // @ts-expect-error no type at all
      expect(() => instance.publish(channels, { cluster })).toThrow();
      // @ts-expect-error a status event carrying an operation instead of its cluster
      expect(() => instance.publish(channels, { type: 'cluster.status', operation: operationEvent('cl_1').operation })).toThrow(/cluster/);
      // @ts-expect-error a cluster missing most of its fields
      expect(() => instance.publish(channels, { type: 'cluster.status', cluster: { id: 'cl_1', status: 'running' } })).toThrow();
      // @ts-expect-error a status the protocol does not have
      expect(() => instance.publish(channels, { type: 'cluster.status', cluster: { ...cluster, status: 'exploded' } })).toThrow(/status/);
      const metrics: RealtimeEvent = { type: 'metrics.update', cluster_id: 'cl_1', at: cluster.updated_at, values: { connections_active: 3 } };
      expect(instance.publish(channels, metrics)).toBe(0);
    });
  });
});

describe('RealtimeDO authentication on the socket', () => {
  it('accepts an auth message, then subscriptions; nothing is delivered before', async () => {
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const socket = await track(connect({ orgId: ada.orgId }));

    socket.send({ type: 'subscribe', channels: [`cluster:${clusterId}`] });
    expect(await socket.next('error')).toMatchObject({ code: 'unauthorized' });
    expect(await publish(ada.orgId, `cluster:${clusterId}`, status(clusterId))).toBe(0);

    socket.send({ type: 'auth', token: ada.token });
    const ready = await socket.next('ready');
    expect(ready).toMatchObject({ user_id: ada.userId, org_id: ada.orgId });
    expect(typeof ready.connection_id).toBe('string');
    expect((await socket.subscribe([`cluster:${clusterId}`])).type).toBe('subscribed');
    expect(await publish(ada.orgId, `cluster:${clusterId}`, status(clusterId))).toBe(1);
    await socket.next('cluster.status');

    socket.send({ type: 'auth', token: ada.token });
    const again = await socket.next('error');
    expect(again).toMatchObject({ code: 'bad_request', request: { type: 'auth' } });
    // The token is never echoed back.
    expect(JSON.stringify(again)).not.toContain(ada.token);
  });

  it('closes with 4401 on a bad token, and on the token of someone outside the organization', async () => {
    const ada = await signUp();
    const eve = await signUp();
    for (const token of ['not-a-jwt', `${ada.token.slice(0, -4)}AAAA`]) {
      const socket = await track(connect({ orgId: ada.orgId }));
      socket.send({ type: 'auth', token });
      expect(await socket.next('error')).toMatchObject({ code: 'unauthorized', request: { type: 'auth' } });
      expect((await socket.closed).code).toBe(CLOSE_CODES.unauthenticated);
    }
    const outsider = await track(connect({ orgId: ada.orgId }));
    outsider.send({ type: 'auth', token: eve.token });
    expect(await outsider.next('error')).toMatchObject({ code: 'not_found' });
    expect((await outsider.closed).code).toBe(CLOSE_CODES.unauthenticated);
  });

  it('closes a socket that does not authenticate in time, by alarm or at its next message', async () => {
    const ada = await signUp();
    const late = await track(connect({ orgId: ada.orgId }));
    const silent = await track(connect({ orgId: ada.orgId }));
    const authed = await track(connect({ orgId: ada.orgId }));
    authed.send({ type: 'auth', token: ada.token });
    await authed.next('ready');
    await late.drain();

    // The sockets and the object share this isolate's clock, so moving it past the deadline moves theirs.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + REALTIME_LIMITS.authTimeoutMs + 1_000);
    late.send({ type: 'auth', token: ada.token });
    expect((await late.closed).code).toBe(CLOSE_CODES.unauthenticated);
    expect(await runDurableObjectAlarm(stub(ada.orgId))).toBe(true);
    expect(await silent.next('error')).toMatchObject({ code: 'unauthorized' });
    expect((await silent.closed).code).toBe(CLOSE_CODES.unauthenticated);
    vi.useRealTimers();
    expect(await authed.drain()).toEqual([]);
  });
});

describe('RealtimeDO protocol errors', () => {
  it('answers malformed and unknown messages with an error and keeps the socket usable', async () => {
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const socket = await track(connectReady({ token: ada.token }));
    const cases: Array<[unknown, string, unknown]> = [
      ['{"type": "subscribe", ', 'bad_request', null],
      [[1, 2], 'bad_request', [1, 2]],
      ['"ping"', 'bad_request', 'ping'],
      [{ type: 'shout' }, 'bad_request', { type: 'shout' }],
      [{ channels: [`cluster:${clusterId}`] }, 'bad_request', { channels: [`cluster:${clusterId}`] }],
      [{ type: 'subscribe', channels: [] }, 'bad_request', { type: 'subscribe', channels: [] }],
      [{ type: 'subscribe', channels: ['project:prj_1'] }, 'bad_request', { type: 'subscribe', channels: ['project:prj_1'] }],
      [{ type: 'subscribe', channels: 'org:x' }, 'bad_request', { type: 'subscribe', channels: 'org:x' }],
      [{ type: 'subscribe', channels: Array.from({ length: 101 }, (_, i) => `cluster:c${i}`) }, 'bad_request', expect.anything()],
      ['x'.repeat(REALTIME_LIMITS.messageBytes + 1), 'message_too_large', null],
      // Under the limit in characters, over it in bytes.
      ['é'.repeat(REALTIME_LIMITS.messageBytes / 2 + 1), 'message_too_large', null],
    ];
    for (const [message, code, request] of cases) {
      socket.send(message);
      const error = await socket.next('error');
      expect([message, error.code, error.request]).toEqual([message, code, request]);
      expect(typeof error.message).toBe('string');
    }
    socket.ws.send(new Uint8Array([123, 125]));
    expect(await socket.next('error')).toMatchObject({ code: 'bad_request', message: 'Messages are JSON text frames' });

    expect((await socket.subscribe([`cluster:${clusterId}`])).type).toBe('subscribed');
    expect(await publish(ada.orgId, `cluster:${clusterId}`, status(clusterId))).toBe(1);
    await socket.next('cluster.status');
  });

  it('answers pings, bare ones without waking the object and others through it', async () => {
    const ada = await signUp();
    const socket = await track(connectReady({ token: ada.token }));
    socket.send('{"type":"ping"}');
    expect(await socket.next('pong')).toEqual({ type: 'pong' });
    socket.send({ type: 'ping', sent_at: 1 });
    expect(await socket.next('pong')).toEqual({ type: 'pong' });
  });
});

describe('RealtimeDO state across hibernation and membership changes', () => {
  it('keeps identity and subscriptions through an eviction (hibernation)', async () => {
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const socket = await track(connectReady({ token: ada.token }));
    const anonymous = await track(connect({ orgId: ada.orgId }));
    expect((await socket.subscribe([`cluster:${clusterId}`])).type).toBe('subscribed');

    await evictDurableObject(stub(ada.orgId));
    expect(await publish(ada.orgId, `cluster:${clusterId}`, status(clusterId))).toBe(1);
    await socket.next('cluster.status');
    socket.send({ type: 'unsubscribe', channels: [`cluster:${clusterId}`] });
    await socket.next('unsubscribed');
    anonymous.send({ type: 'auth', token: ada.token });
    expect(await anonymous.next('ready')).toMatchObject({ user_id: ada.userId });
  });

  it("dropUser closes every socket of that user and no one else's", async () => {
    const ada = await signUp();
    const dev = await joinOrg(ada, ada.orgId, 'developer');
    const devSockets = [
      await track(connectReady({ token: dev.token, orgId: ada.orgId })),
      await track(connectReady({ token: dev.token, orgId: ada.orgId })),
    ];
    const adaSocket = await track(connectReady({ token: ada.token }));
    expect(await stub(ada.orgId).dropUser(dev.userId)).toBe(2);
    for (const s of devSockets) expect(await s.closed).toMatchObject({ code: CLOSE_CODES.membershipEnded });
    expect(await adaSocket.drain()).toEqual([]);
    expect(await stub(ada.orgId).dropUser(dev.userId)).toBe(0);
  });
});

describe('RealtimeDO fan-out', () => {
  it('reaches every subscribed socket with one publish', async () => {
    const sockets = 200;
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const channel = `cluster:${clusterId}`;
    const clients: RealtimeClient[] = [];
    for (let batch = 0; batch < sockets; batch += 50) {
      const opening = Array.from({ length: Math.min(50, sockets - batch) }, () => track(connectReady({ token: ada.token })));
      clients.push(...(await Promise.all(opening)));
    }
    for (const subscribed of await Promise.all(clients.map((c) => c.subscribe([channel])))) expect(subscribed.type).toBe('subscribed');

    const received = clients.map((c) => c.next('cluster.status', 10_000));
    const started = performance.now();
    const reached = await publish(ada.orgId, channel, status(clusterId));
    const published = performance.now();
    await Promise.all(received);
    const done = performance.now();
    expect(reached).toBe(sockets);
    // A figure to read (vitest --silent=false), not to assert on: it depends on the machine.
    const ms = (t: number) => `${(t - started).toFixed(1)} ms`;
    console.log(`fan-out to ${sockets} sockets: publish() returned after ${ms(published)}, all received after ${ms(done)}`);
  });
});
