// orochi operations get|wait
import { unwrap } from '../client.ts';
import type { Command } from '../command.ts';
import { record } from '../output.ts';
import { waitForOperation } from '../wait.ts';
import { operationColumns, waitSeconds } from './shared.ts';

export const operationCommands: Command[] = [
  {
    path: ['operations', 'get'],
    summary: 'Show an operation',
    args: ['operation'],
    async run(ctx, input) {
      const { operation } = await unwrap(ctx.api.v1.operations[':id'].$get({ param: { id: input.args.operation! } }));
      return record(operation, operation, operationColumns);
    },
  },
  {
    path: ['operations', 'wait'],
    summary: 'Wait for an operation to end (exit 5 when it fails)',
    args: ['operation'],
    options: { timeout: { type: 'string', value: '<seconds>', description: 'How long to wait (default 600)' } },
    async run(ctx, input) {
      const { operation } = await unwrap(ctx.api.v1.operations[':id'].$get({ param: { id: input.args.operation! } }));
      const ended = await waitForOperation(ctx, operation, waitSeconds(input));
      return record(ended, ended, operationColumns);
    },
  },
];
