// A cluster's metrics: and logs: channels end to end, through the real Worker: an agent socket's samples and log
// lines reach subscribers of the cluster's org, other orgs are refused the channels, and the agent follows a log
// exactly while someone subscribes (asked again after it reconnects).
import { afterEach, describe, expect, it } from 'vitest';
import { bindings, greetedAgent, regionWithAgent, seedRegionCluster, type AgentSocket } from '../../workers/test/agents.ts';
import { runInDurableObject } from 'cloudflare:test';
import { call, joinOrg, signUp } from '../../workers/test/harness.ts';
import { connectReady, type RealtimeClient } from '../../workers/test/realtime-client.ts';
import { clusterObject } from '../cluster/stub.ts';

const opened: Array<RealtimeClient | AgentSocket> = [];
function track<T extends RealtimeClient | AgentSocket>(socket: T): T {
  opened.push(socket);
  return socket;
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

async function setting() {
  const ada = await signUp();
  const { regionId, credential } = await regionWithAgent(ada);
  const clusterId = await seedRegionCluster(ada, regionId, { status: 'running' });
  const { agent } = await greetedAgent(credential);
  return { ada, regionId, credential, clusterId, agent: track(agent) };
}

/** The agent's next logs_follow request, answered as an agent would. */
async function followRequest(agent: AgentSocket) {
  const request = await agent.next('request');
  expect(request.kind).toBe('logs_follow');
  agent.send({ type: 'response', id: request.id, ok: true, result: { following: request.payload.follow } });
  return request;
}

describe('metrics: and logs: channels', () => {
  it("pushes an agent's samples and probes to a metrics: subscriber of the cluster's org, and refuses other orgs the channel", async () => {
    const { ada, clusterId, agent } = await setting();
    const eve = await signUp();
    const outsider = track(await connectReady({ token: eve.token }));
    for (const channel of [`metrics:${clusterId}`, `logs:${clusterId}`]) {
      expect(await outsider.subscribe([channel])).toMatchObject({ type: 'error', code: 'forbidden', channels: [channel] });
    }

    const socket = track(await connectReady({ token: ada.token }));
    expect(await socket.subscribe([`metrics:${clusterId}`])).toEqual({ type: 'subscribed', channels: [`metrics:${clusterId}`] });
    // The ClusterDO hears of its first subscriber just after the subscribe is answered; samples flow from then on.
    let update: Awaited<ReturnType<RealtimeClient['next']>> | null = null;
    for (let attempt = 0; attempt < 20 && !update; attempt++) {
      agent.send({ type: 'metrics', cluster_id: clusterId, at: new Date(Date.now() - 1000 * attempt).toISOString(), values: { cpu_percent: 12.5, connections_active: 3 } });
      update = await socket.next('metrics.update', 250).catch(() => null);
    }
    expect(update).toMatchObject({ type: 'metrics.update', channel: `metrics:${clusterId}`, cluster_id: clusterId, values: { cpu_percent: 12.5, connections_active: 3 } });
    const probeAt = new Date().toISOString();
    agent.send({ type: 'health', cluster_id: clusterId, at: probeAt, ok: true, latency_ms: 3.5, error: null });
    expect(await socket.next('health.probe')).toEqual({
      type: 'health.probe',
      channel: `metrics:${clusterId}`,
      cluster_id: clusterId,
      at: probeAt,
      ok: true,
      latency_ms: 3.5,
      error: null,
    });
    // Stored as well as pushed.
    const stored = await clusterObject(bindings, clusterId).metrics({ from: new Date(Date.now() - 60_000), to: new Date(), stepSeconds: null, series: ['cpu_percent'] });
    expect(stored.series.cpu_percent).toContain(12.5);
    expect(await outsider.drain()).toEqual([]);

    // After the last subscriber leaves, samples are stored but no longer published.
    socket.close();
    await socket.closed;
    const listener = track(await connectReady({ token: ada.token }));
    expect((await listener.subscribe([`cluster:${clusterId}`])).type).toBe('subscribed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    agent.send({ type: 'metrics', cluster_id: clusterId, at: new Date(Date.now() + 1000).toISOString(), values: { cpu_percent: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await listener.drain()).toEqual([]);
  });

  it('has the agent follow the log from the first logs: subscriber to the last, again after it reconnects, and delivers each line', async () => {
    const { ada, credential, clusterId, agent } = await setting();
    const first = track(await connectReady({ token: ada.token }));
    const second = track(await connectReady({ token: ada.token }));
    expect((await first.subscribe([`logs:${clusterId}`])).type).toBe('subscribed');
    expect(await followRequest(agent)).toMatchObject({ cluster_id: clusterId, payload: { follow: true } });
    expect((await second.subscribe([`logs:${clusterId}`])).type).toBe('subscribed');

    const entries = Array.from({ length: 500 }, (_, i) => ({
      at: new Date(Date.now() + i).toISOString(),
      level: i % 100 === 0 ? 'error' : 'info',
      message: `line ${i}`,
      sqlstate: i % 100 === 0 ? '42P01' : null,
    }));
    agent.send({ type: 'logs', cluster_id: clusterId, entries });
    for (const socket of [first, second]) {
      const frames = [];
      for (let i = 0; i < 500; i++) frames.push(await socket.next('log.entry'));
      expect(frames.map((f) => f.message)).toEqual(entries.map((e) => e.message));
      expect(frames[0]).toEqual({ type: 'log.entry', channel: `logs:${clusterId}`, cluster_id: clusterId, ...entries[0] });
    }

    // One of two leaving is not the last; the agent reconnecting is asked to follow again.
    first.send({ type: 'unsubscribe', channels: [`logs:${clusterId}`] });
    await first.next('unsubscribed');
    agent.close();
    const { agent: back } = await greetedAgent(credential);
    track(back);
    expect(await followRequest(back)).toMatchObject({ cluster_id: clusterId, payload: { follow: true } });

    // The last one leaving stops it.
    second.send({ type: 'unsubscribe', channels: [`logs:${clusterId}`] });
    expect(await followRequest(back)).toMatchObject({ cluster_id: clusterId, payload: { follow: false } });
    // Subscribing again starts it again; closing the socket ends it like an unsubscribe.
    expect((await second.subscribe([`logs:${clusterId}`])).type).toBe('subscribed');
    expect(await followRequest(back)).toMatchObject({ payload: { follow: true } });
    second.close();
    expect(await followRequest(back)).toMatchObject({ payload: { follow: false } });
  });

  it("stops the agent's follow when a member is removed and theirs was the last subscription", async () => {
    const { ada, clusterId, agent } = await setting();
    const member = await joinOrg(ada, ada.orgId, 'viewer');
    const socket = track(await connectReady({ token: member.token, orgId: ada.orgId }));
    expect((await socket.subscribe([`logs:${clusterId}`])).type).toBe('subscribed');
    expect(await followRequest(agent)).toMatchObject({ payload: { follow: true } });
    const removed = await call('DELETE', `/v1/organizations/${ada.orgId}/members/${member.userId}`, { token: ada.token });
    expect(removed.status).toBeLessThan(300);
    await socket.closed;
    expect(await followRequest(agent)).toMatchObject({ cluster_id: clusterId, payload: { follow: false } });
  });

  it('ends a watch that outlived its subscribers: samples nobody receives stop being published, unheard log lines stop the follow', async () => {
    const { clusterId, agent } = await setting();
    const cluster = clusterObject(bindings, clusterId);
    // As if the org's RealtimeDO had restarted, losing its sockets without a close each.
    await cluster.watch('metrics', true, clusterId);
    await cluster.watch('logs', true, clusterId);
    expect(await followRequest(agent)).toMatchObject({ payload: { follow: true } });
    const watching = () => runInDurableObject(cluster, (_instance, state) => state.storage.get<{ metrics: boolean; logs: boolean }>('watching'));
    expect(await watching()).toEqual({ metrics: true, logs: true });

    agent.send({ type: 'metrics', cluster_id: clusterId, at: new Date().toISOString(), values: { cpu_percent: 5 } });
    agent.send({ type: 'logs', cluster_id: clusterId, entries: [{ at: new Date().toISOString(), level: 'info', message: 'nobody reads this', sqlstate: null }] });
    expect(await followRequest(agent)).toMatchObject({ cluster_id: clusterId, payload: { follow: false } });
    for (let i = 0; i < 40 && (await watching())?.metrics; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await watching()).toEqual({ metrics: false, logs: false });
  });
});
