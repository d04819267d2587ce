// orochi backups list|create, orochi branches create|list
import type { Backup } from '../../protocol/resources.ts';
import { unwrap } from '../client.ts';
import { flag, str, type Command } from '../command.ts';
import { rows, type Column } from '../output.ts';
import { waitForOperation } from '../wait.ts';
import { changed, clusterColumns, clusterId, waitSeconds } from './shared.ts';

const backupColumns: Column<Backup>[] = [
  { header: 'ID', value: (b) => b.id },
  { header: 'KIND', value: (b) => b.kind },
  { header: 'STATUS', value: (b) => b.status },
  { header: 'SIZE', value: (b) => (b.size_bytes === null ? '' : `${(b.size_bytes / 1024 / 1024).toFixed(1)} MiB`) },
  { header: 'RESTORES TO', value: (b) => b.end_time },
  { header: 'CREATED', value: (b) => b.created_at },
];

export const backupCommands: Command[] = [
  {
    path: ['backups', 'list'],
    summary: "List a cluster's backups",
    args: ['cluster'],
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      const page = await unwrap(ctx.api.v1.clusters[':id'].backups.$get({ param: { id }, query: { limit: '100' } }));
      return rows(page.data, page.data, backupColumns);
    },
  },
  {
    path: ['backups', 'create'],
    summary: 'Take a backup of a cluster now',
    args: ['cluster'],
    mutation: true,
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      const started = await unwrap(ctx.api.v1.clusters[':id'].backups.$post({ param: { id } }));
      let { backup, operation } = started;
      if (flag(input, 'wait')) {
        operation = await waitForOperation(ctx, operation, waitSeconds(input));
        backup = (await unwrap(ctx.api.v1.backups[':id'].$get({ param: { id: backup.id } }))).backup;
      }
      return rows({ ...started, backup, operation }, [backup], backupColumns);
    },
  },
  {
    path: ['branches', 'create'],
    summary: "Branch a cluster: a new cluster from its data now, at a backup, or at a time in its restore window",
    args: ['cluster', 'name'],
    mutation: true,
    options: {
      backup: { type: 'string', value: '<backup_id>', description: 'From this backup' },
      at: { type: 'string', value: '<time>', description: 'From this time (ISO 8601)' },
    },
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      const backup = str(input, 'backup');
      const at = str(input, 'at');
      const source = { cluster_id: id, ...(backup ? { backup_id: backup } : {}), ...(at ? { target_time: at } : {}) };
      return changed(ctx, input, await unwrap(ctx.api.v1.clusters.$post({ json: { name: input.args.name!, source } })));
    },
  },
  {
    path: ['branches', 'list'],
    summary: "List a cluster's branches",
    args: ['cluster'],
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      const page = await unwrap(ctx.api.v1.clusters[':id'].branches.$get({ param: { id } }));
      return rows(page.data, page.data, clusterColumns);
    },
  },
];
