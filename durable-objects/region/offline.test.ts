// An agent that goes away never leaves its operations silently "running": while the region has no agent,
// operations in flight say what they wait for (in the API and over realtime), and the region's clusters read
// health `unknown` until the agent reports again.
import { describe, expect, it } from 'vitest';
import { connectAgent, eventually, greetedAgent, regionWithAgent } from '../../workers/test/agents.ts';
import { createCluster, report } from '../../workers/test/clusters.ts';
import { call, setPlan, signUp } from '../../workers/test/harness.ts';
import { connectReady } from '../../workers/test/realtime-client.ts';

const WAITING = /^Waiting for the region's agent, (offline since \d{4}-\d\d-\d\dT[\d:.]+Z|which has not connected yet)$/;

describe('RegionDO: a region without its agent', () => {
  it('says so on operations in flight and makes health unknown; hello and the next report put both right', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'enterprise');
    const { regionId, credential } = await regionWithAgent(ada);
    const { agent } = await greetedAgent(credential);
    const socket = await connectReady({ token: ada.token });
    await socket.subscribe([`org:${ada.orgId}`]);

    const running = (await createCluster(ada, regionId)).body;
    await report(regionId, running.cluster.id, { observed_generation: 1, phase: 'running' });
    const busy = (await createCluster(ada, regionId)).body;
    expect((await call('GET', `/v1/clusters/${running.cluster.id}`, { token: ada.token })).body.cluster.health).toBe('healthy');

    agent.close();
    await agent.closed;
    const op = await eventually(async () => {
      const res = await call('GET', `/v1/operations/${busy.operation.id}`, { token: ada.token });
      expect(res.body.operation.status_message).toMatch(WAITING);
      return res.body.operation;
    });
    expect(op.status).toBe('running');
    expect(op.status_message).toContain('offline since');
    expect((await call('GET', `/v1/clusters/${running.cluster.id}`, { token: ada.token })).body.cluster.health).toBe('unknown');
    await socket.next((f) => f.type === 'operation.updated' && f.operation.id === busy.operation.id && WAITING.test(f.operation.status_message ?? ''));
    await socket.next((f) => f.type === 'cluster.status' && f.cluster.id === running.cluster.id && f.cluster.health === 'unknown');

    // A mutation made while nobody is there says so from the start.
    const slept = await call('POST', `/v1/clusters/${running.cluster.id}/sleep`, { token: ada.token });
    expect(slept.status).toBe(202);
    await eventually(async () => {
      const res = await call('GET', `/v1/operations/${slept.body.operation.id}`, { token: ada.token });
      expect(res.body.operation).toMatchObject({ status: 'running', status_message: expect.stringMatching(WAITING) });
    });

    const back = await connectAgent(credential);
    back.hello([]);
    await back.next('resync');
    await eventually(async () => {
      const res = await call('GET', `/v1/operations/${busy.operation.id}`, { token: ada.token });
      expect(res.body.operation.status_message).toBeNull();
    });
    await socket.next((f) => f.type === 'operation.updated' && f.operation.id === busy.operation.id && f.operation.status_message === null);
    // Health stays unknown until a report says otherwise.
    expect((await call('GET', `/v1/clusters/${running.cluster.id}`, { token: ada.token })).body.cluster.health).toBe('unknown');
    await report(regionId, running.cluster.id, { observed_generation: 2, phase: 'sleeping', ready_instances: 0, endpoint: null });
    await report(regionId, busy.cluster.id, { observed_generation: 1, phase: 'running' });
    const done = await call('GET', `/v1/operations/${busy.operation.id}`, { token: ada.token });
    expect(done.body.operation).toMatchObject({ status: 'finished', status_message: null });
    expect((await call('GET', `/v1/clusters/${busy.cluster.id}`, { token: ada.token })).body.cluster.health).toBe('healthy');
    back.close();
    socket.close();
  });

  it('an operation for a region whose agent never connected says it has not connected yet', async () => {
    const ada = await signUp();
    const { regionId } = await regionWithAgent(ada);
    const created = (await createCluster(ada, regionId)).body;
    await eventually(async () => {
      const res = await call('GET', `/v1/operations/${created.operation.id}`, { token: ada.token });
      expect(res.body.operation.status_message).toBe("Waiting for the region's agent, which has not connected yet");
    });
  });
});
