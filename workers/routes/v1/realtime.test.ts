import { afterEach, describe, expect, it } from 'vitest';
import { call, errorCode, joinOrg, seedCluster, signUp, type ApiResponse } from '../../test/harness.ts';
import { connect, connectReady, publish, statusEvent, upgrade, type RealtimeClient } from '../../test/realtime-client.ts';
import { REALTIME_ORG_HEADER, REALTIME_USER_HEADER } from '../../../durable-objects/realtime/stub.ts';
import { CLOSE_CODES } from '../../../protocol/realtime.ts';

const opened: RealtimeClient[] = [];
async function track(client: Promise<RealtimeClient>): Promise<RealtimeClient> {
  const c = await client;
  opened.push(c);
  return c;
}
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

/** The upgrade's error response, parsed, in the harness's shape. */
async function refused(res: Response): Promise<ApiResponse> {
  expect(res.webSocket).toBeNull();
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe('GET /v1/realtime', () => {
  it('answers a request without Upgrade: websocket with 426', async () => {
    const ada = await signUp();
    const res = await refused(await upgrade({ token: ada.token, plain: true }));
    expect([res.status, errorCode(res)]).toEqual([426, 'upgrade_required']);
    expect(res.headers.get('upgrade')).toBe('websocket');
    expect(res.headers.get('x-request-id')).toBe(res.body.error.request_id);
  });

  it("opens a ready socket with a Bearer token, on the session's organization or a named one", async () => {
    const ada = await signUp();
    const dev = await joinOrg(ada, ada.orgId, 'developer');
    const own = await track(connect({ token: dev.token }));
    expect(await own.next('ready')).toMatchObject({ user_id: dev.userId, org_id: dev.orgId });

    const named = await track(connect({ token: dev.token, orgId: ada.orgId }));
    expect(await named.next('ready')).toMatchObject({ user_id: dev.userId, org_id: ada.orgId });
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    expect((await named.subscribe([`cluster:${clusterId}`])).type).toBe('subscribed');
    expect(await publish(ada.orgId, `cluster:${clusterId}`, statusEvent(clusterId))).toBe(1);
    expect((await named.next('cluster.status')).channel).toBe(`cluster:${clusterId}`);
    expect(await own.drain()).toEqual([]);
  });

  it('opens a ready socket with the session cookie, from our own origin only', async () => {
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const socket = await track(connect({ cookie: ada.token }));
    expect(await socket.next('ready')).toMatchObject({ user_id: ada.userId, org_id: ada.orgId });
    expect((await socket.subscribe([`org:${ada.orgId}`])).type).toBe('subscribed');
    expect(await publish(ada.orgId, `org:${ada.orgId}`, statusEvent(clusterId))).toBe(1);
    await socket.next('cluster.status');

    const dashboard = await track(connect({ cookie: ada.token, headers: { origin: 'http://localhost:8787' } }));
    await dashboard.next('ready');
    // Another site's page opening the socket with the visitor's cookie (cross-site WebSocket hijacking).
    const hijack = await refused(await upgrade({ cookie: ada.token, headers: { origin: 'https://evil.example' } }));
    expect([hijack.status, errorCode(hijack)]).toEqual([403, 'forbidden']);
  });

  it("answers 404 for an organization the caller is not a member of, and one that doesn't exist", async () => {
    const ada = await signUp();
    const eve = await signUp();
    // Route-specific: the cookie path and an unknown org; a Bearer token on another org is also in the route-security table.
    for (const orgId of [ada.orgId, 'org_00000000000000000000000000']) {
      for (const credentials of [{ token: eve.token }, { cookie: eve.token }]) {
        const res = await refused(await upgrade({ ...credentials, orgId }));
        expect([orgId, res.status, errorCode(res)]).toEqual([orgId, 404, 'not_found']);
      }
    }
  });

  it('needs ?org_id= without credentials, and a well-formed one', async () => {
    const missing = await refused(await upgrade());
    expect([missing.status, errorCode(missing)]).toEqual([400, 'bad_request']);
    for (const orgId of ['', 'x'.repeat(65), 'org\u0000x']) {
      const res = await refused(await upgrade({ orgId }));
      expect([JSON.stringify(orgId), res.status, errorCode(res)]).toEqual([JSON.stringify(orgId), 400, 'validation_failed']);
    }
  });

  it('opens an unauthenticated socket without credentials; it must send auth', async () => {
    const ada = await signUp();
    const socket = await track(connect({ orgId: ada.orgId }));
    socket.send({ type: 'subscribe', channels: [`org:${ada.orgId}`] });
    expect(await socket.next('error')).toMatchObject({ code: 'unauthorized' });
    socket.send({ type: 'auth', token: ada.token });
    expect(await socket.next('ready')).toMatchObject({ user_id: ada.userId, org_id: ada.orgId });
  });

  it('ignores identity headers sent by the client', async () => {
    const ada = await signUp();
    const eve = await signUp();
    const spoofed = { [REALTIME_USER_HEADER]: ada.userId, [REALTIME_ORG_HEADER]: ada.orgId };
    // No credentials: the socket is not anyone's, whatever the headers claim.
    const anonymous = await track(connect({ orgId: ada.orgId, headers: spoofed }));
    anonymous.send({ type: 'subscribe', channels: [`org:${ada.orgId}`] });
    expect(await anonymous.next('error')).toMatchObject({ code: 'unauthorized' });
    // Eve's own credentials: the socket is Eve's, in Eve's org.
    const asEve = await track(connect({ token: eve.token, headers: spoofed }));
    expect(await asEve.next('ready')).toMatchObject({ user_id: eve.userId, org_id: eve.orgId });
    expect(await asEve.subscribe([`org:${ada.orgId}`])).toMatchObject({ type: 'error', code: 'forbidden' });
  });

  it('lets billing connect but subscribe to nothing', async () => {
    const ada = await signUp();
    const billing = await joinOrg(ada, ada.orgId, 'billing');
    const socket = await track(connectReady({ token: billing.token, orgId: ada.orgId }));
    expect(await socket.subscribe([`org:${ada.orgId}`])).toMatchObject({ type: 'error', code: 'forbidden' });
  });

  it("closes a removed member's sockets when DELETE /members/{user_id} commits, and refuses them afterwards", async () => {
    const ada = await signUp();
    const dev = await joinOrg(ada, ada.orgId, 'developer');
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const devSocket = await track(connectReady({ token: dev.token, orgId: ada.orgId }));
    expect((await devSocket.subscribe([`cluster:${clusterId}`])).type).toBe('subscribed');
    const adaSocket = await track(connectReady({ token: ada.token }));
    expect((await adaSocket.subscribe([`cluster:${clusterId}`])).type).toBe('subscribed');

    const removed = await call('DELETE', `/v1/organizations/${ada.orgId}/members/${dev.userId}`, { token: ada.token });
    expect(removed.status).toBe(204);
    expect(await devSocket.closed).toMatchObject({ code: CLOSE_CODES.membershipEnded });
    expect(await publish(ada.orgId, `cluster:${clusterId}`, statusEvent(clusterId))).toBe(1);
    await adaSocket.next('cluster.status');

    const again = await refused(await upgrade({ token: dev.token, orgId: ada.orgId }));
    expect([again.status, errorCode(again)]).toEqual([404, 'not_found']);
    const viaAuth = await track(connect({ orgId: ada.orgId }));
    viaAuth.send({ type: 'auth', token: dev.token });
    expect(await viaAuth.next('error')).toMatchObject({ code: 'not_found' });
    expect((await viaAuth.closed).code).toBe(CLOSE_CODES.unauthenticated);
  });

  it("closes a member's sockets when their new role may no longer read clusters, and keeps them otherwise", async () => {
    const ada = await signUp();
    const dev = await joinOrg(ada, ada.orgId, 'developer');
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const devSocket = await track(connectReady({ token: dev.token, orgId: ada.orgId }));
    expect((await devSocket.subscribe([`cluster:${clusterId}`])).type).toBe('subscribed');

    // developer -> viewer: still reads clusters, the socket stays and keeps hearing.
    expect((await call('PATCH', `/v1/organizations/${ada.orgId}/members/${dev.userId}`, { token: ada.token, body: { role: 'viewer' } })).status).toBe(200);
    expect(await publish(ada.orgId, `cluster:${clusterId}`, statusEvent(clusterId))).toBe(1);
    await devSocket.next('cluster.status');

    // viewer -> billing: no clusters:read, so the subscriptions made under the old role end.
    expect((await call('PATCH', `/v1/organizations/${ada.orgId}/members/${dev.userId}`, { token: ada.token, body: { role: 'billing' } })).status).toBe(200);
    expect(await devSocket.closed).toMatchObject({ code: CLOSE_CODES.membershipEnded });
    expect(await publish(ada.orgId, `cluster:${clusterId}`, statusEvent(clusterId))).toBe(0);
  });

  it('is in the OpenAPI document', async () => {
    const res = await call('GET', '/v1/openapi.json');
    const path = res.body.paths['/v1/realtime'];
    expect(path.get.responses).toHaveProperty('101');
    expect(path.get.responses).toHaveProperty('426');
    expect(path.get.parameters.map((p: { name: string }) => p.name)).toContain('org_id');
  });
});
