// orochi clusters list|create|get|resize|sleep|wake|delete|connection-string
import { postgresVersions } from '../../protocol/cluster-rules.ts';
import { clusterStatuses } from '../../protocol/enums.ts';
import { clusterSizes } from '../../protocol/sizes.ts';
import { unwrap } from '../client.ts';
import { flag, str, type Command, type Input } from '../command.ts';
import { usageError } from '../errors.ts';
import { record, rows, text } from '../output.ts';
import { changed, clusterColumns, clusterFields, clusterId } from './shared.ts';

/** The formats GET /v1/clusters/{id}/connection offers (its schema is the API's, which the CLI sees only as types). */
const CONNECTION_FORMATS = ['uri', 'psql', 'env', 'node', 'python'] as const;

function integer(input: Input, name: string): number | undefined {
  const value = str(input, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw usageError(`--${name} must be a whole number; got "${value}"`);
  return Number(value);
}

export const clusterCommands: Command[] = [
  {
    path: ['clusters', 'list'],
    summary: 'List the clusters of the organization',
    options: {
      project: { type: 'string', value: '<project_id>', description: 'Only this project' },
      status: { type: 'string', value: '<status>', choices: clusterStatuses, description: 'Only clusters in this status' },
      search: { type: 'string', value: '<text>', description: 'Part of the name' },
      limit: { type: 'string', value: '<n>', description: 'At most this many (default 100)' },
    },
    async run(ctx, input) {
      const project = str(input, 'project');
      const status = str(input, 'status');
      const search = str(input, 'search');
      const query = {
        limit: String(integer(input, 'limit') ?? 100),
        ...(ctx.org ? { org_id: ctx.org } : {}),
        ...(project ? { project_id: project } : {}),
        ...(search ? { search } : {}),
      };
      const page = await unwrap(ctx.api.v1.clusters.$get({ query: status ? { ...query, status: status as (typeof clusterStatuses)[number] } : query }));
      return rows(page.data, page.data, clusterColumns);
    },
  },
  {
    path: ['clusters', 'create'],
    summary: 'Create a PostgreSQL cluster',
    args: ['name'],
    mutation: true,
    options: {
      region: { type: 'string', value: '<region_id>', description: 'Where it runs (orochi regions)' },
      project: { type: 'string', value: '<project_id>', description: "Default: the organization's oldest project" },
      size: { type: 'string', value: '<size>', choices: clusterSizes, description: `One of ${clusterSizes.join(', ')} (default dev)` },
      version: { type: 'string', value: '<major>', choices: postgresVersions, description: `PostgreSQL major version: ${postgresVersions.join(', ')}` },
      instances: { type: 'string', value: '<n>', description: 'Servers, 1 primary plus standbys' },
      'storage-gb': { type: 'string', value: '<gb>', description: 'Disk per server' },
      password: { type: 'string', value: '<password>', description: 'Of the app role (default: generated; read it with connection-string --reveal)' },
    },
    async run(ctx, input) {
      const region = str(input, 'region');
      const project = str(input, 'project');
      const size = str(input, 'size');
      const version = str(input, 'version');
      const instances = integer(input, 'instances');
      const storage = integer(input, 'storage-gb');
      const password = str(input, 'password');
      const json = {
        name: input.args.name!,
        ...(region ? { region_id: region } : {}),
        ...(project ? { project_id: project } : {}),
        ...(size ? { size: size as (typeof clusterSizes)[number] } : {}),
        ...(version ? { version: version as (typeof postgresVersions)[number] } : {}),
        ...(instances !== undefined ? { instances } : {}),
        ...(storage !== undefined ? { storage_gb: storage } : {}),
        ...(password ? { password } : {}),
      };
      return changed(ctx, input, await unwrap(ctx.api.v1.clusters.$post({ json })));
    },
  },
  {
    path: ['clusters', 'get'],
    summary: 'Show a cluster',
    args: ['cluster'],
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      const { cluster } = await unwrap(ctx.api.v1.clusters[':id'].$get({ param: { id } }));
      return record(cluster, cluster, clusterFields);
    },
  },
  {
    path: ['clusters', 'resize'],
    summary: 'Change the size, the number of servers or the storage of a cluster',
    args: ['cluster'],
    mutation: true,
    options: {
      size: { type: 'string', value: '<size>', choices: clusterSizes, description: `One of ${clusterSizes.join(', ')}` },
      instances: { type: 'string', value: '<n>', description: 'Servers, 1 primary plus standbys' },
      'storage-gb': { type: 'string', value: '<gb>', description: 'Disk per server (it only grows)' },
    },
    async run(ctx, input) {
      const size = str(input, 'size');
      const instances = integer(input, 'instances');
      const storage = integer(input, 'storage-gb');
      if (!size && instances === undefined && storage === undefined) throw usageError('Give at least one of --size, --instances, --storage-gb');
      const id = await clusterId(ctx, input.args.cluster!);
      const json = {
        ...(size ? { size: size as (typeof clusterSizes)[number] } : {}),
        ...(instances !== undefined ? { instances } : {}),
        ...(storage !== undefined ? { storage_gb: storage } : {}),
      };
      return changed(ctx, input, await unwrap(ctx.api.v1.clusters[':id'].$patch({ param: { id }, json })));
    },
  },
  {
    path: ['clusters', 'sleep'],
    summary: 'Stop the servers of a cluster, keeping its data',
    args: ['cluster'],
    mutation: true,
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      return changed(ctx, input, await unwrap(ctx.api.v1.clusters[':id'].sleep.$post({ param: { id } })));
    },
  },
  {
    path: ['clusters', 'wake'],
    summary: 'Start a sleeping cluster again',
    args: ['cluster'],
    mutation: true,
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      return changed(ctx, input, await unwrap(ctx.api.v1.clusters[':id'].wake.$post({ param: { id } })));
    },
  },
  {
    path: ['clusters', 'delete'],
    summary: 'Delete a cluster',
    args: ['cluster'],
    mutation: true,
    options: { 'purge-backups': { type: 'boolean', description: 'Delete its backups too (default: kept for their retention)' } },
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      const query = flag(input, 'purge-backups') ? { purge_backups: 'true' as const } : {};
      return changed(ctx, input, await unwrap(ctx.api.v1.clusters[':id'].$delete({ param: { id }, query })));
    },
  },
  {
    path: ['clusters', 'connection-string'],
    summary: 'Print how to connect to a cluster',
    args: ['cluster'],
    options: {
      format: { type: 'string', value: '<format>', choices: CONNECTION_FORMATS, description: 'uri (default), psql, env, node or python' },
      reveal: { type: 'boolean', description: 'Include the password' },
    },
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      const format = (str(input, 'format') ?? 'uri') as (typeof CONNECTION_FORMATS)[number];
      const connection = await unwrap(ctx.api.v1.clusters[':id'].connection.$get({ param: { id }, query: { format, reveal: flag(input, 'reveal') ? 'true' : 'false' } }));
      return text(connection, connection.value);
    },
  },
];
