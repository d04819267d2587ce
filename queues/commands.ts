// The commands queue: the durable path of every command into its region's RegionDO (the ClusterDO also hands
// it over directly; the RegionDO dedupes by command_id, so either arriving first is fine). A command that
// still cannot be delivered after the queue's retries lands in the dead-letter queue, which fails its operation.
import { commandSchema } from '../protocol/agent.ts';
import type { ObjectBindings } from '../durable-objects/bindings.ts';
import { log } from '../core/logger.ts';
import { clusterObject } from '../durable-objects/cluster/stub.ts';
import { regionObject } from '../durable-objects/region/stub.ts';

const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** attempts);

export async function consumeCommands(batch: MessageBatch<unknown>, env: ObjectBindings): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = commandSchema.safeParse(message.body);
      if (!parsed.success) {
        // Retrying cannot fix its shape; the log line is how it gets noticed.
        log('warn', 'command message dropped: malformed', { message_id: message.id });
        message.ack();
        return;
      }
      const command = parsed.data;
      try {
        await regionObject(env, command.region_id).enqueue(command);
        message.ack();
      } catch (error) {
        log('error', 'command could not be handed to its region', {
          command_id: command.command_id,
          region_id: command.region_id,
          attempts: message.attempts,
          error: String(error),
        });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}

export async function consumeCommandDeadLetters(batch: MessageBatch<unknown>, env: ObjectBindings): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = commandSchema.safeParse(message.body);
      if (!parsed.success) {
        log('warn', 'dead-lettered command dropped: malformed', { message_id: message.id });
        message.ack();
        return;
      }
      const command = parsed.data;
      log('error', 'command undeliverable', { command_id: command.command_id, region_id: command.region_id, operation_id: command.operation_id });
      if (!command.operation_id) {
        // No operation to fail; the agent's next hello resyncs the cluster to its desired generation anyway.
        message.ack();
        return;
      }
      try {
        await clusterObject(env, command.cluster_id).failOperation(
          command.operation_id,
          `The command could not be delivered to region ${command.region_id}`,
        );
        message.ack();
      } catch (error) {
        log('error', 'failing an undeliverable operation failed', { operation_id: command.operation_id, error: String(error) });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}
