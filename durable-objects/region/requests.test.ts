// Requests to a region's agent through the RegionDO, with a fake agent on a real socket: answered, no agent,
// no answer in time, the socket gone mid-request, and log follows remembered across reconnects.
import { describe, expect, it } from 'vitest';
import { connectAgent, greetedAgent, regionStub, regionWithAgent } from '../../workers/test/agents.ts';
import { signUp } from '../../workers/test/harness.ts';
import { newId } from '../../protocol/ids.ts';
import type { AgentResponse } from '../../protocol/agent.ts';
import { MAX_PENDING_REQUESTS } from './pending-requests.ts';

describe('RegionDO: requests to the agent', () => {
  it("sends the request to the greeted agent and resolves with its response; a late or unknown answer goes nowhere", async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const { agent } = await greetedAgent(credential);
    const clusterId = newId('cl');
    const payload = { query_id: 'qr_1', sql: 'select 1', timeout_ms: 1000, row_limit: 10 };
    const pending = regionStub(regionId).request(clusterId, 'sql', payload, 5_000);
    const request = await agent.next('request');
    expect(request).toEqual({ type: 'request', id: expect.any(String), cluster_id: clusterId, kind: 'sql', payload });
    // Someone else's id first: it must not resolve this request.
    agent.send({ type: 'response', id: 'not-a-request', ok: true, result: {} });
    const result = { query_id: 'qr_1', command: 'SELECT', columns: [], rows: [[1]], row_count: 1, truncated: false, duration_ms: 1 };
    agent.send({ type: 'response', id: request.id, ok: true, result });
    expect(await pending).toEqual({ type: 'response', id: request.id, ok: true, result });

    // A failure keeps its code and the server's error.
    const failing = regionStub(regionId).request(clusterId, 'sql', payload, 5_000);
    const second = await agent.next('request');
    const sqlError = { sqlstate: '42P01', message: 'relation "nope" does not exist', position: 15, hint: null, detail: null };
    agent.send({ type: 'response', id: second.id, ok: false, code: 'sql_error', error: sqlError.message, sql_error: sqlError });
    expect(await failing).toMatchObject({ ok: false, code: 'sql_error', sql_error: sqlError });
    agent.close();
  });

  it('answers region_offline at once without a greeted agent', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const started = Date.now();
    expect(await regionStub(regionId).request(newId('cl'), 'schema', {}, 10_000)).toMatchObject({ ok: false, code: 'region_offline' });
    // Connected but not greeted yet is not ready for requests either.
    const agent = await connectAgent(credential);
    expect(await regionStub(regionId).request(newId('cl'), 'schema', {}, 10_000)).toMatchObject({ ok: false, code: 'region_offline' });
    expect(Date.now() - started).toBeLessThan(5_000);
    agent.close();
  });

  it('answers no_answer when the agent stays silent past the timeout, and ignores its late answer', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const { agent } = await greetedAgent(credential);
    const started = Date.now();
    // The stub types a response with an `unknown` result as never; it is an AgentResponse.
    const answer: AgentResponse = await regionStub(regionId).request(newId('cl'), 'schema', {}, 300);
    expect(answer).toMatchObject({ ok: false, code: 'no_answer' });
    expect(answer.error).toContain('did not answer');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const request = await agent.next('request');
    agent.send({ type: 'response', id: request.id, ok: true, result: { schemas: [], tables: [], views: [], extensions: [] } });
    // The session goes on: the next request is answered.
    const next = regionStub(regionId).request(newId('cl'), 'insights_reset', {}, 5_000);
    const asked = await agent.next('request');
    agent.send({ type: 'response', id: asked.id, ok: true, result: { reset_at: new Date().toISOString() } });
    expect(await next).toMatchObject({ ok: true, id: asked.id });
    agent.close();
  });

  it('fails a request in flight with region_offline when the agent socket closes', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const { agent } = await greetedAgent(credential);
    const pending = regionStub(regionId).request(newId('cl'), 'schema', {}, 20_000);
    await agent.next('request');
    const started = Date.now();
    agent.close();
    expect(await pending).toMatchObject({ ok: false, code: 'region_offline' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses what is not a request of a cluster', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const { agent } = await greetedAgent(credential);
    expect(await regionStub(regionId).request('not-a-cluster', 'schema', {}, 1_000)).toMatchObject({ ok: false, code: 'bad_request' });
    expect(await regionStub(regionId).request(newId('cl'), 'drop_everything' as 'schema', {}, 1_000)).toMatchObject({ ok: false, code: 'bad_request' });
    expect(agent.received.filter((m) => m.type === 'request')).toEqual([]);
    agent.close();
  });
});

describe('RegionDO: requests waiting', () => {
  it('refuses a request past the cap of those waiting, and fails them all when the agent goes', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const { agent } = await greetedAgent(credential);
    const stub = regionStub(regionId);
    const clusterId = newId('cl');
    const waiting = Array.from({ length: MAX_PENDING_REQUESTS }, () => stub.request(clusterId, 'schema', {}, 30_000));
    for (let i = 0; i < 200 && agent.received.filter((m) => m.type === 'request').length < MAX_PENDING_REQUESTS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const refused: AgentResponse = await stub.request(clusterId, 'schema', {}, 30_000);
    expect(refused).toMatchObject({ ok: false, code: 'no_answer' });
    expect(refused.error).toContain(`${MAX_PENDING_REQUESTS} requests waiting`);
    agent.close();
    const ended: AgentResponse[] = await Promise.all(waiting);
    expect(new Set(ended.map((r) => r.code))).toEqual(new Set(['region_offline']));
  });
});

describe('RegionDO: log follows', () => {
  it('asks the agent to follow, asks again after every hello until unfollowed', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const clusterId = newId('cl');
    // Asked while no agent is there: remembered all the same.
    expect(await regionStub(regionId).followLogs(clusterId, true)).toMatchObject({ ok: false, code: 'region_offline' });
    const { agent } = await greetedAgent(credential);
    const resumed = await agent.next('request');
    expect(resumed).toMatchObject({ cluster_id: clusterId, kind: 'logs_follow', payload: { follow: true } });
    agent.send({ type: 'response', id: resumed.id, ok: true, result: { following: true } });

    const stopping = regionStub(regionId).followLogs(clusterId, false);
    const stop = await agent.next('request');
    expect(stop).toMatchObject({ cluster_id: clusterId, kind: 'logs_follow', payload: { follow: false } });
    agent.send({ type: 'response', id: stop.id, ok: true, result: { following: false } });
    expect(await stopping).toMatchObject({ ok: true, result: { following: false } });
    agent.close();

    const again = await greetedAgent(credential);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(again.agent.received.filter((m) => m.type === 'request')).toEqual([]);
    again.agent.close();
  });
});
