import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { clusters, operations } from '../drizzle/schema.ts';
import worker from '../workers/index.ts';
import { consumeCommandDeadLetters, consumeCommands } from './commands.ts';
import type { Bindings } from '../workers/env.ts';
import { newId } from '../protocol/ids.ts';
import { bindings, greetedAgent, regionStub, regionWithAgent, seedRegionCluster, testCommand } from '../workers/test/agents.ts';
import { signUp, withCatalog } from '../workers/test/harness.ts';
import type { Command } from '../protocol/agent.ts';

async function runQueue(queue: string, bodies: Array<{ id: string; body: unknown; attempts?: number }>, env: Bindings = bindings) {
  const batch = createMessageBatch<unknown>(
    queue,
    bodies.map(({ id, body, attempts }) => ({ id, body, timestamp: new Date(), attempts: attempts ?? 1 })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

/**
 * A batch that records what the consumer did with each message, delays included (the test runtime's batches
 * keep only whether a message was retried).
 */
function recordingBatch(queue: string, bodies: Array<{ id: string; body: unknown; attempts: number }>) {
  const outcomes = new Map<string, { acked: boolean; retryDelay?: number }>();
  const messages = bodies.map(({ id, body, attempts }) => {
    outcomes.set(id, { acked: false });
    return {
      id,
      body,
      attempts,
      timestamp: new Date(),
      ack: () => outcomes.set(id, { acked: true }),
      retry: (options?: { delaySeconds?: number }) => outcomes.set(id, { acked: false, retryDelay: options?.delaySeconds }),
    };
  });
  const batch = { queue, messages, ackAll: () => undefined, retryAll: () => undefined } as unknown as MessageBatch<unknown>;
  return { batch, outcomes };
}

/** Bindings whose Durable Object stubs fail, or record what they were asked, without touching real objects. */
function fakeNamespace(method: string, behaviour: (...args: unknown[]) => Promise<void>) {
  return {
    idFromName: (name: string) => name,
    get: () => ({ [method]: behaviour }),
  } as unknown as DurableObjectNamespace;
}

describe('commands queue consumer', () => {
  it("hands each command to its region's RegionDO, which delivers it to the agent, and acks it", async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const { agent } = await greetedAgent(credential);
    const command = testCommand(regionId);
    const result = await runQueue('orochi-commands', [{ id: 'msg-1', body: command }]);
    expect(result.explicitAcks).toEqual(['msg-1']);
    expect(result.retryMessages).toEqual([]);
    expect(await agent.command(command.command_id)).toEqual(command);

    // The same command again (a redelivery, or the fast path having won) is acked and not sent twice.
    const again = await runQueue('orochi-commands', [{ id: 'msg-2', body: command }]);
    expect(again.explicitAcks).toEqual(['msg-2']);
    const marker = testCommand(regionId);
    await regionStub(regionId).enqueue(marker);
    await agent.command(marker.command_id);
    expect(agent.commandIds()).toEqual([command.command_id, marker.command_id]);
    agent.close();
  });

  it('is wired to the orochi-commands queue: a message sent on COMMAND_QUEUE reaches the agent', async () => {
    const ada = await signUp();
    const { regionId, credential } = await regionWithAgent(ada);
    const { agent } = await greetedAgent(credential);
    const command = testCommand(regionId);
    await bindings.COMMAND_QUEUE.send(command);
    expect(await agent.command(command.command_id, 10_000)).toEqual(command);
    agent.close();
  });

  it('acks malformed messages instead of retrying them', async () => {
    const valid = testCommand('rg_00000000000000000000000000');
    const result = await runQueue('orochi-commands', [
      { id: 'msg-garbage', body: 'garbage' },
      { id: 'msg-no-region', body: { ...valid, region_id: undefined } },
      { id: 'msg-bad-generation', body: { ...valid, generation: 0 } },
    ]);
    expect([...result.explicitAcks].sort()).toEqual(['msg-bad-generation', 'msg-garbage', 'msg-no-region']);
    expect(result.retryMessages).toEqual([]);
  });

  it('retries with exponential delay, capped at 5 minutes, when the region cannot take the command', async () => {
    const down = { ...bindings, REGION: fakeNamespace('enqueue', async () => Promise.reject(new Error('overloaded'))) } as Bindings;
    const command = testCommand('rg_00000000000000000000000000');
    const { batch, outcomes } = recordingBatch('orochi-commands', [
      { id: 'msg-first', body: command, attempts: 1 },
      { id: 'msg-third', body: command, attempts: 3 },
      { id: 'msg-tenth', body: command, attempts: 10 },
    ]);
    await consumeCommands(batch, down);
    expect(Object.fromEntries(outcomes)).toEqual({
      'msg-first': { acked: false, retryDelay: 2 },
      'msg-third': { acked: false, retryDelay: 8 },
      'msg-tenth': { acked: false, retryDelay: 300 },
    });
  });
});

describe('commands dead-letter consumer', () => {
  it("fails the command's operation, naming the region", async () => {
    const calls: unknown[][] = [];
    const env = { ...bindings, CLUSTER: fakeNamespace('failOperation', async (...args) => void calls.push(args)) } as Bindings;
    const command: Command = testCommand('rg_00000000000000000000000000', { operation_id: 'op_00000000000000000000000000' });
    const result = await runQueue('orochi-commands-dlq', [{ id: 'dead-1', body: command }], env);
    expect(result.explicitAcks).toEqual(['dead-1']);
    expect(calls).toEqual([['op_00000000000000000000000000', 'The command could not be delivered to region rg_00000000000000000000000000']]);
  });

  it('marks the operation failed in the catalog through the real ClusterDO', async () => {
    const ada = await signUp();
    const { regionId } = await regionWithAgent(ada);
    const clusterId = await seedRegionCluster(ada, regionId, { generation: 1 });
    const operationId = newId('op');
    await withCatalog((db) =>
      db.insert(operations).values({ id: operationId, orgId: ada.orgId, clusterId, action: 'create', status: 'running', generation: 1 }),
    );
    const command = testCommand(regionId, { cluster_id: clusterId, operation_id: operationId });
    const result = await runQueue('orochi-commands-dlq', [{ id: 'dead-real', body: command }]);
    expect(result.explicitAcks).toEqual(['dead-real']);
    const [op] = await withCatalog((db) => db.select().from(operations).where(eq(operations.id, operationId)));
    expect(op).toMatchObject({ status: 'failed', error: `The command could not be delivered to region ${regionId}` });
    const [cluster] = await withCatalog((db) => db.select().from(clusters).where(eq(clusters.id, clusterId)));
    expect(cluster!.status).toBe('failed');
  });

  it('acks commands without an operation and malformed ones; retries when failing the operation fails', async () => {
    const calls: unknown[][] = [];
    const recording = { ...bindings, CLUSTER: fakeNamespace('failOperation', async (...args) => void calls.push(args)) } as Bindings;
    const result = await runQueue(
      'orochi-commands-dlq',
      [
        { id: 'dead-no-op', body: testCommand('rg_00000000000000000000000000') },
        { id: 'dead-garbage', body: { nope: true } },
      ],
      recording,
    );
    expect([...result.explicitAcks].sort()).toEqual(['dead-garbage', 'dead-no-op']);
    expect(calls).toEqual([]);

    const down = { ...bindings, CLUSTER: fakeNamespace('failOperation', async () => Promise.reject(new Error('catalog down'))) } as Bindings;
    const { batch, outcomes } = recordingBatch('orochi-commands-dlq', [
      { id: 'dead-retry', body: testCommand('rg_00000000000000000000000000', { operation_id: 'op_00000000000000000000000000' }), attempts: 2 },
    ]);
    await consumeCommandDeadLetters(batch, down);
    expect(outcomes.get('dead-retry')).toEqual({ acked: false, retryDelay: 4 });
  });
});
