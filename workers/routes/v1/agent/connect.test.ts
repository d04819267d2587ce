import { describe, expect, it } from 'vitest';
import { REGION_ID_HEADER } from '../../../../durable-objects/region/stub.ts';
import { AgentSocket, greetedAgent, openConnect, regionStub, regionWithAgent, seedRegionCluster, testCommand } from '../../../test/agents.ts';
import { call, errorCode, signUp, type ApiResponse } from '../../../test/harness.ts';

async function asApiResponse(res: Response): Promise<ApiResponse> {
  return { status: res.status, headers: res.headers, body: await res.json() };
}

describe('GET /v1/agent/connect', () => {
  it('upgrades an agent with a valid credential', async () => {
    const ada = await signUp();
    const { credential } = await regionWithAgent(ada);
    const res = await openConnect(credential);
    expect(res.status).toBe(101);
    expect(res.webSocket).toBeTruthy();
    new AgentSocket(res.webSocket!).close();
  });

  it('answers a request that is not a WebSocket upgrade with 426 in the error shape', async () => {
    const ada = await signUp();
    const { credential } = await regionWithAgent(ada);
    for (const res of [await openConnect(credential, {}), await openConnect(null, {})]) {
      const body = await asApiResponse(res);
      expect([body.status, errorCode(body)]).toEqual([426, 'upgrade_required']);
      expect(body.body.error.request_id).toBe(res.headers.get('x-request-id'));
    }
  });

  it("connects a credential to its own region only: region A's commands and clusters never reach region B", async () => {
    const ada = await signUp();
    const eve = await signUp();
    const a = await regionWithAgent(ada);
    const b = await regionWithAgent(eve);
    const clusterA = await seedRegionCluster(ada, a.regionId);

    // B's agent even names region A in the header the Worker sets; the Worker overwrites it.
    const res = await openConnect(b.credential, { Upgrade: 'websocket', [REGION_ID_HEADER]: a.regionId });
    expect(res.status).toBe(101);
    const agentB = new AgentSocket(res.webSocket!);
    agentB.hello();
    const resyncB = await agentB.next('resync');
    expect(resyncB).toEqual({ type: 'resync', commands: [], known_cluster_ids: [] });
    const { agent: agentA, resync: resyncA } = await greetedAgent(a.credential);
    expect(resyncA.known_cluster_ids).toEqual([clusterA]);

    const forA = testCommand(a.regionId);
    await regionStub(a.regionId).enqueue(forA);
    await agentA.command(forA.command_id);
    const forB = testCommand(b.regionId);
    await regionStub(b.regionId).enqueue(forB);
    await agentB.command(forB.command_id);
    expect(agentB.commandIds()).toEqual([forB.command_id]);
    expect(agentA.commandIds()).toEqual([forA.command_id]);

    // A region's object refuses commands addressed to another region.
    const misrouted = await regionStub(b.regionId)
      .enqueue(testCommand(a.regionId))
      .then(
        () => null,
        (error: Error) => error.message,
      );
    expect(misrouted).toMatch(/not this one/);
    agentA.close();
    agentB.close();
  });

  it('is listed in the OpenAPI document with the other agent and region routes', async () => {
    const res = await call('GET', '/v1/openapi.json');
    const paths = Object.keys(res.body.paths);
    for (const path of ['/v1/regions', '/v1/regions/{id}', '/v1/regions/{id}/registration-token', '/v1/agent/register', '/v1/agent/token', '/v1/agent/connect']) {
      expect(paths).toContain(path);
    }
    expect(res.body.components.securitySchemes.agent).toBeDefined();
  });
});
