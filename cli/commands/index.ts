// Every command, in the order help lists them.
import type { Command } from '../command.ts';
import { accountCommands } from './account.ts';
import { authCommands } from './auth.ts';
import { backupCommands } from './backups.ts';
import { clusterCommands } from './clusters.ts';
import { completionCommand } from './completion.ts';
import { dataCommands } from './data.ts';
import { operationCommands } from './operations.ts';

export const commands: Command[] = [
  ...authCommands,
  ...accountCommands,
  ...clusterCommands,
  ...operationCommands,
  ...backupCommands,
  ...dataCommands,
  completionCommand(() => commands),
];
