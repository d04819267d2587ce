import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { clusterEvents, clusters, regions } from '../../drizzle/schema.ts';
import { unseal } from '../../protocol/sealing.ts';
import { regionKey } from '../../core/regions/region-keys.ts';
import {
  bindings,
  connectAgent,
  eventually,
  greetedAgent,
  openConnect,
  regionStub,
  regionWithAgent,
  seedRegionCluster,
  testCommand,
} from '../../workers/test/agents.ts';
import { signUp, withCatalog } from '../../workers/test/harness.ts';
import type { SocketAttachments } from '../sockets.ts';
import type { AgentAttachment } from './heartbeat.ts';

async function catalogRegion(regionId: string) {
  const [row] = await withCatalog((db) => db.select().from(regions).where(eq(regions.id, regionId)));
  return row!;
}

/** Rewinds the clocks kept on the agent's socket, as if `ms` had passed since it last spoke. */
async function rewindAgentClock(regionId: string, ms: number, fields: Array<'lastHeardAt' | 'lastSeenWrittenAt'>) {
  await runInDurableObject(regionStub(regionId), (instance, state) => {
    // Through the object's own attachment cache, the only writer of those attachments.
    const agents = (instance as unknown as { agents: SocketAttachments<AgentAttachment> }).agents;
    for (const ws of state.getWebSockets('agent')) {
      const attachment = { ...agents.read(ws)! };
      for (const field of fields) attachment[field] = attachment[field] - ms;
      agents.write(ws, attachment);
    }
  });
}

describe('RegionDO: the agent session', () => {
  it('answers hello with a resync of every cluster behind its desired generation, and marks the region online', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const upToDate = await seedRegionCluster(ada, regionId, { generation: 3 });
    const behind = await seedRegionCluster(ada, regionId, { generation: 2 });
    const unknown = await seedRegionCluster(ada, regionId, { generation: 1 });
    const sleeping = await seedRegionCluster(ada, regionId, { generation: 2, desiredState: 'sleeping' });
    const deleting = await seedRegionCluster(ada, regionId, { generation: 2, observedGeneration: 1, desiredState: 'deleted' });
    await seedRegionCluster(ada, regionId, { generation: 2, observedGeneration: 2, desiredState: 'deleted', deletedAt: new Date(), status: 'deleted' });
    const noPassword = await seedRegionCluster(ada, regionId, { passwordCiphertext: null });
    const elsewhere = await regionWithAgent(ada);
    await seedRegionCluster(ada, elsewhere.regionId);

    const agent = await connectAgent(credential);
    agent.hello([
      { cluster_id: upToDate, generation: 3 },
      { cluster_id: behind, generation: 1 },
      { cluster_id: sleeping, generation: 1 },
    ]);
    const resync = await agent.next('resync');
    expect([...resync.known_cluster_ids].sort()).toEqual([upToDate, behind, unknown, sleeping, deleting, noPassword].sort());
    const byCluster = new Map(resync.commands.map((c: { cluster_id: string }) => [c.cluster_id, c]));
    expect([...byCluster.keys()].sort()).toEqual([behind, unknown, sleeping, deleting].sort());
    expect(byCluster.get(behind)).toMatchObject({ type: 'command', action: 'update', generation: 2, region_id: regionId, operation_id: null });
    expect(byCluster.get(unknown)).toMatchObject({ action: 'create', generation: 1 });
    expect(byCluster.get(sleeping)).toMatchObject({ action: 'sleep', spec: { state: 'sleeping' } });
    expect(byCluster.get(deleting)).toMatchObject({ action: 'delete', spec: { state: 'deleted' } });
    // The password travels sealed with this region's key, which opens it.
    const sealed = (byCluster.get(unknown) as { spec: { password_sealed: string } }).spec.password_sealed;
    expect(await unseal(await regionKey(bindings.ENCRYPTION_KEY, regionId), sealed)).toBe('pw');

    const row = await catalogRegion(regionId);
    expect(row).toMatchObject({ status: 'online', agentVersion: '0.1.0' });
    expect(Date.now() - row.lastSeenAt!.getTime()).toBeLessThan(10_000);
    expect(await regionStub(regionId).info()).toMatchObject({ connected: true, outbox: 0, last_seen_at: expect.any(String) });
    agent.close();
  });

  it('marks the region offline when the agent goes away', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const { agent } = await greetedAgent(credential);
    expect((await catalogRegion(regionId)).status).toBe('online');
    agent.close();
    await eventually(async () => expect((await catalogRegion(regionId)).status).toBe('offline'));
    expect(await regionStub(regionId).info()).toMatchObject({ connected: false, last_seen_at: expect.any(String) });
  });

  it('replaces an older connection with a newer one, without marking the region offline', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const { agent: first } = await greetedAgent(credential);
    const { agent: second } = await greetedAgent(credential);
    expect(await first.closed).toEqual({ code: 4000, reason: 'replaced' });

    const command = testCommand(regionId);
    await regionStub(regionId).enqueue(command);
    await second.command(command.command_id);
    expect(first.commandIds()).toEqual([]);
    expect((await catalogRegion(regionId)).status).toBe('online');
    second.close();
  });

  it('drops messages that fail validation and keeps the session going', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const agent = await connectAgent(credential);
    agent.send('not json');
    agent.send({ type: 'hello' });
    agent.send({ type: 'launch_missiles' });
    agent.send({ type: 'status', cluster_id: 'cl_x', phase: 'exploding' });
    agent.send({ type: 'ack', command_id: 'x'.repeat(1000) });
    agent.send({ type: 'status', cluster_id: '../../etc', observed_generation: 1, phase: 'running', ready_instances: 1, instances: 1, endpoint: null, message: '', at: new Date().toISOString() });
    agent.ws.send(new Uint8Array([1, 2, 3]));
    agent.hello();
    expect(await agent.next('resync')).toEqual({ type: 'resync', commands: [], known_cluster_ids: [] });
    expect((await catalogRegion(regionId)).status).toBe('online');
    agent.close();
  });
});

describe('RegionDO: the outbox', () => {
  it('delivers an enqueued command at once to a connected agent', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const { agent } = await greetedAgent(credential);
    const command = testCommand(regionId, { operation_id: 'op_00000000000000000000000000' });
    await regionStub(regionId).enqueue(command);
    expect(await agent.command(command.command_id)).toEqual(command);
    agent.close();
  });

  it('keeps a command until it is acked: replayed on reconnect without an ack, never again after one', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const stub = regionStub(regionId);
    const command = testCommand(regionId);
    await stub.enqueue(command);
    expect(await stub.info()).toMatchObject({ connected: false, outbox: 1 });

    // Connected but not yet greeted: nothing is sent until hello, which replays the outbox.
    const first = await connectAgent(credential);
    const marker = testCommand(regionId);
    await stub.enqueue(marker);
    first.hello();
    await first.next('resync');
    await first.command(marker.command_id);
    expect(first.commandIds()).toEqual([command.command_id, marker.command_id]);
    first.send({ type: 'ack', command_id: marker.command_id });
    first.close();
    await first.closed;

    const { agent: second } = await greetedAgent(credential);
    await second.command(command.command_id);
    second.send({ type: 'ack', command_id: command.command_id });
    await eventually(async () => expect((await stub.info()).outbox).toBe(0));
    second.close();

    const { agent: third } = await greetedAgent(credential);
    const after = testCommand(regionId);
    await stub.enqueue(after);
    await third.command(after.command_id);
    expect(third.commandIds()).toEqual([after.command_id]);
    third.close();
  });

  it('sends a command once however often it is enqueued, and not again after its ack', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const stub = regionStub(regionId);
    const { agent } = await greetedAgent(credential);
    const command = testCommand(regionId);
    await Promise.all([stub.enqueue(command), stub.enqueue(command), stub.enqueue({ ...command })]);
    await agent.command(command.command_id);
    agent.send({ type: 'ack', command_id: command.command_id });
    await eventually(async () => expect((await stub.info()).outbox).toBe(0));
    // A late duplicate (the queue path arriving after the fast path) is remembered as acked.
    await stub.enqueue(command);
    const marker = testCommand(regionId);
    await stub.enqueue(marker);
    await agent.command(marker.command_id);
    expect(agent.commandIds()).toEqual([command.command_id, marker.command_id]);
    expect((await stub.info()).outbox).toBe(1);
    agent.close();
  });

  it('lets a newer generation of a cluster supersede older ones waiting in the outbox', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const stub = regionStub(regionId);
    const other = testCommand(regionId);
    const gen1 = testCommand(regionId, { generation: 1 });
    const gen2 = testCommand(regionId, { cluster_id: gen1.cluster_id, generation: 2, action: 'resize' });
    const lateGen1 = testCommand(regionId, { cluster_id: gen1.cluster_id, generation: 1 });
    await stub.enqueue(other);
    await stub.enqueue(gen1);
    await stub.enqueue(gen2);
    await stub.enqueue(lateGen1);
    expect((await stub.info()).outbox).toBe(2);

    const { agent } = await greetedAgent(credential);
    await agent.command(gen2.command_id);
    expect(agent.commandIds()).toEqual([other.command_id, gen2.command_id]);

    // Once generation 2 is acked, generation 1 is still stale.
    agent.send({ type: 'ack', command_id: gen2.command_id });
    await eventually(async () => expect((await stub.info()).outbox).toBe(1));
    await stub.enqueue(testCommand(regionId, { cluster_id: gen1.cluster_id, generation: 1 }));
    const marker = testCommand(regionId);
    await stub.enqueue(marker);
    await agent.command(marker.command_id);
    expect(agent.commandIds()).toEqual([other.command_id, gen2.command_id, marker.command_id]);
    agent.close();
  });

  it('leaves clusters whose newest command is in the outbox out of the resync', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const clusterId = await seedRegionCluster(ada, regionId, { generation: 2 });
    const queued = testCommand(regionId, { cluster_id: clusterId, generation: 2, action: 'resize' });
    await regionStub(regionId).enqueue(queued);
    const { agent, resync } = await greetedAgent(credential, [{ cluster_id: clusterId, generation: 1 }]);
    expect(resync).toEqual({ type: 'resync', commands: [], known_cluster_ids: [clusterId] });
    expect(agent.commandIds()).toEqual([queued.command_id]);
    agent.close();
  });

  it('refuses commands with an invalid shape', async () => {
    const ada = await signUp();
    const { regionId } = await regionWithAgent(ada);
    const bad = { ...testCommand(regionId), generation: 0 };
    const error = await regionStub(regionId)
      .enqueue(bad)
      .then(
        () => null,
        (e: Error) => e.message,
      );
    expect(error).toMatch(/generation/);
    expect((await regionStub(regionId).info()).outbox).toBe(0);
  });
});

describe('RegionDO: revocation', () => {
  it('closes the agent, drops the outbox, and refuses reconnects and new commands', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const stub = regionStub(regionId);
    const { agent } = await greetedAgent(credential);
    await stub.enqueue(testCommand(regionId));
    await stub.revoke();
    expect(await agent.closed).toEqual({ code: 4001, reason: 'revoked' });
    expect(await stub.info()).toMatchObject({ connected: false, outbox: 0 });

    // The catalog still says the region exists, so only the object itself stands in the way.
    const refused = await openConnect(credential);
    expect(refused.status).toBe(401);
    expect((await refused.json()) as object).toMatchObject({ error: { code: 'unauthorized' } });
    await stub.enqueue(testCommand(regionId));
    expect((await stub.info()).outbox).toBe(0);
  });
});

describe('RegionDO: heartbeats', () => {
  it('pings the agent, and writes last_seen_at at most every 30 seconds', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const stub = regionStub(regionId);
    const { agent } = await greetedAgent(credential);
    const seenAtHello = (await catalogRegion(regionId)).lastSeenAt!;

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const ping = await agent.next('ping');
    expect(ping).toEqual({ type: 'ping', id: expect.any(String), at: expect.any(String) });
    agent.send({ type: 'pong', id: ping.id });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await agent.next('ping');
    expect((await catalogRegion(regionId)).lastSeenAt).toEqual(seenAtHello);

    await rewindAgentClock(regionId, 31_000, ['lastSeenWrittenAt']);
    agent.send({ type: 'pong', id: ping.id });
    await eventually(async () => {
      const info = await stub.info();
      expect(new Date(info.last_seen_at!).getTime()).toBeGreaterThan(seenAtHello.getTime());
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const row = await catalogRegion(regionId);
    expect(row.lastSeenAt!.getTime()).toBeGreaterThan(seenAtHello.getTime());
    expect(row.status).toBe('online');
    agent.close();
  });

  it('disconnects an agent silent for 45 seconds and marks the region offline', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const stub = regionStub(regionId);
    const { agent } = await greetedAgent(credential);
    await rewindAgentClock(regionId, 46_000, ['lastHeardAt']);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await agent.closed).code).toBe(4002);
    await eventually(async () => expect((await catalogRegion(regionId)).status).toBe('offline'));
    expect((await stub.info()).connected).toBe(false);
    // No agent, no heartbeat to keep running.
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });
});

describe('RegionDO: reports', () => {
  it("hands status reports and events to the cluster's ClusterDO, which updates the catalog", async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const clusterId = await seedRegionCluster(ada, regionId, { generation: 1 });
    const { agent } = await greetedAgent(credential, [{ cluster_id: clusterId, generation: 1 }]);
    agent.send({
      type: 'status',
      cluster_id: clusterId,
      observed_generation: 1,
      phase: 'running',
      ready_instances: 1,
      instances: 1,
      endpoint: { host: '127.0.0.1', port: 6543 },
      message: 'ready',
      at: new Date().toISOString(),
    });
    agent.send({ type: 'event', cluster_id: clusterId, event_type: 'backup', message: 'base backup done', at: new Date().toISOString() });
    await eventually(async () => {
      const [row] = await withCatalog((db) => db.select().from(clusters).where(eq(clusters.id, clusterId)));
      expect(row).toMatchObject({ status: 'running', observedGeneration: 1, endpointHost: '127.0.0.1', endpointPort: 6543 });
    });
    await eventually(async () => {
      const events = await withCatalog((db) =>
        db.select().from(clusterEvents).where(and(eq(clusterEvents.clusterId, clusterId), eq(clusterEvents.type, 'backup'))),
      );
      expect(events).toEqual([expect.objectContaining({ message: 'base backup done' })]);
    });
    agent.close();
  });

  it("cannot report on another region's cluster", async () => {
    const ada = await signUp();
    const mine = await regionWithAgent(ada);
    const theirs = await regionWithAgent(ada);
    const clusterId = await seedRegionCluster(ada, theirs.regionId, { generation: 1 });
    const { agent } = await greetedAgent(mine.credential);
    const report = {
      type: 'status',
      cluster_id: clusterId,
      observed_generation: 1,
      phase: 'failed',
      ready_instances: 0,
      instances: 1,
      endpoint: null,
      message: 'forged',
      at: new Date().toISOString(),
    };
    agent.send(report);
    agent.send({ type: 'event', cluster_id: clusterId, event_type: 'forged', message: 'forged', at: new Date().toISOString() });
    // A report on its own cluster afterwards as a barrier. Messages are handled concurrently, so it is a best
    // effort one; what makes the refusal certain is the ClusterDO's region check, which this exercises end to end.
    const own = await seedRegionCluster(ada, mine.regionId, { generation: 1 });
    agent.send({ ...report, cluster_id: own, phase: 'running', ready_instances: 1, message: '' });
    await eventually(async () => {
      const [row] = await withCatalog((db) => db.select().from(clusters).where(eq(clusters.id, own)));
      expect(row!.observedGeneration).toBe(1);
    });
    const [row] = await withCatalog((db) => db.select().from(clusters).where(eq(clusters.id, clusterId)));
    expect(row).toMatchObject({ status: 'provisioning', observedGeneration: 0 });
    const events = await withCatalog((db) => db.select().from(clusterEvents).where(eq(clusterEvents.clusterId, clusterId)));
    expect(events).toEqual([]);
    agent.close();
  });
});
