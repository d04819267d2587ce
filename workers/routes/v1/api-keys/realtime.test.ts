// API keys on the realtime socket: a key opens it with Bearer (or in the `auth` message, for clients that cannot set
// headers) and follows its organization's clusters within its grant — permissions and project — checked on every
// subscribe; revoking the key closes its sockets.
import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, type RealtimeEvent } from '../../../../protocol/realtime.ts';
import { call, seedCluster, setPlan, signUp, type Account } from '../../../test/harness.ts';
import { connect, connectReady, publish } from '../../../test/realtime-client.ts';

async function makeKey(owner: Account, body: object) {
  const res = await call('POST', '/v1/api-keys', { token: owner.token, body: { name: 'socket', org_id: owner.orgId, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.api_key.id as string, secret: res.body.secret as string };
}

const probe = (clusterId: string): RealtimeEvent => ({ type: 'health.probe', cluster_id: clusterId, at: new Date().toISOString(), ok: true, latency_ms: 1, error: null });

describe('API keys on /v1/realtime', () => {
  it('a key opens the socket with Bearer and follows its organization clusters', async () => {
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const key = await makeKey(ada, { role: 'viewer' });
    const socket = await connectReady({ token: key.secret, orgId: ada.orgId });
    socket.send({ type: 'subscribe', channels: [`cluster:${clusterId}`, `metrics:${clusterId}`, `org:${ada.orgId}`] });
    await socket.next('subscribed');
    expect(await publish(ada.orgId, `metrics:${clusterId}`, probe(clusterId))).toBe(1);
    expect(await socket.next('health.probe')).toMatchObject({ cluster_id: clusterId, channel: `metrics:${clusterId}` });
    socket.close();
  });

  it('a key in the auth message works like one in the header; another organization refuses it', async () => {
    const ada = await signUp();
    const bob = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const key = await makeKey(ada, { role: 'developer' });
    const socket = await connect({ orgId: ada.orgId });
    socket.send({ type: 'auth', token: key.secret });
    expect(await socket.next('ready')).toMatchObject({ org_id: ada.orgId, user_id: ada.userId });
    socket.send({ type: 'subscribe', channels: [`cluster:${clusterId}`] });
    await socket.next('subscribed');

    const elsewhere = await connect({ orgId: bob.orgId });
    elsewhere.send({ type: 'auth', token: key.secret });
    expect(await elsewhere.next('error')).toMatchObject({ code: 'unauthorized' });
    expect((await elsewhere.closed).code).toBe(CLOSE_CODES.unauthenticated);
    expect((await call('GET', `/v1/realtime?org_id=${bob.orgId}`, { token: key.secret, headers: { upgrade: 'websocket' } })).status).toBe(404);
    socket.close();
  });

  it('holds a key to its grant: no clusters:read, no channels; a project key only its project clusters, never the org channel', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'team');
    const own = await seedCluster(ada.orgId, ada.projectId);
    const project = await call('POST', '/v1/projects', { token: ada.token, body: { name: 'other', org_id: ada.orgId } });
    expect(project.status, JSON.stringify(project.body)).toBe(201);
    const other = await seedCluster(ada.orgId, project.body.project.id);

    const narrow = await makeKey(ada, { permissions: ['org:read', 'projects:read'] });
    const blind = await connectReady({ token: narrow.secret, orgId: ada.orgId });
    blind.send({ type: 'subscribe', channels: [`cluster:${own}`] });
    expect(await blind.next('error')).toMatchObject({ code: 'forbidden', channels: [`cluster:${own}`] });

    const scoped = await makeKey(ada, { role: 'viewer', project_id: ada.projectId });
    const socket = await connectReady({ token: scoped.secret, orgId: ada.orgId });
    socket.send({ type: 'subscribe', channels: [`org:${ada.orgId}`, `cluster:${other}`, `logs:${other}`] });
    const refused = await socket.next('error');
    expect(refused).toMatchObject({ code: 'forbidden' });
    expect([...refused.channels].sort()).toEqual([`cluster:${other}`, `logs:${other}`, `org:${ada.orgId}`].sort());
    socket.send({ type: 'subscribe', channels: [`cluster:${own}`, `metrics:${own}`] });
    await socket.next('subscribed');
    blind.close();
    socket.close();
  });

  it("revoking the key closes its sockets with 4409, and an expired or revoked key's socket cannot subscribe", async () => {
    const ada = await signUp();
    const clusterId = await seedCluster(ada.orgId, ada.projectId);
    const key = await makeKey(ada, { role: 'viewer' });
    const socket = await connectReady({ token: key.secret, orgId: ada.orgId });
    const kept = await connectReady({ token: ada.token, orgId: ada.orgId });
    expect((await call('DELETE', `/v1/api-keys/${key.id}`, { token: ada.token })).status).toBe(200);
    expect((await socket.closed).code).toBe(CLOSE_CODES.sessionEnded);
    // The person's own socket is not the key's.
    kept.send({ type: 'subscribe', channels: [`cluster:${clusterId}`] });
    await kept.next('subscribed');
    kept.close();
    expect((await call('GET', `/v1/realtime?org_id=${ada.orgId}`, { token: key.secret, headers: { upgrade: 'websocket' } })).status).toBe(401);
  });
});
