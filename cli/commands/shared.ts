// What the cluster commands share: naming a cluster by id or name, how a cluster and an operation show in a
// table, and a change's answer, followed to its end under --wait.
import type { Cluster, Operation } from '../../protocol/resources.ts';
import { unwrap } from '../client.ts';
import { flag, str, type Context, type Input } from '../command.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { rows, type Column, type Result } from '../output.ts';
import { DEFAULT_WAIT_SECONDS, waitForOperation } from '../wait.ts';

export const clusterColumns: Column<Cluster>[] = [
  { header: 'ID', value: (c) => c.id },
  { header: 'NAME', value: (c) => c.name },
  { header: 'STATUS', value: (c) => c.status },
  { header: 'REGION', value: (c) => c.region_id },
  { header: 'SIZE', value: (c) => c.size },
  { header: 'VERSION', value: (c) => c.version },
  { header: 'ENDPOINT', value: (c) => (c.endpoint ? `${c.endpoint.host}:${c.endpoint.port}` : '') },
];

export const clusterFields: Column<Cluster>[] = [
  ...clusterColumns,
  { header: 'HEALTH', value: (c) => c.health },
  { header: 'INSTANCES', value: (c) => `${c.ready_instances}/${c.instances}` },
  { header: 'STORAGE', value: (c) => `${c.storage_gb} GB` },
  { header: 'PROJECT', value: (c) => c.project_id },
  { header: 'PARENT', value: (c) => c.parent_id },
  { header: 'MESSAGE', value: (c) => c.status_message },
  { header: 'CREATED', value: (c) => c.created_at },
];

export const operationColumns: Column<Operation>[] = [
  { header: 'ID', value: (o) => o.id },
  { header: 'ACTION', value: (o) => o.action },
  { header: 'STATUS', value: (o) => o.status },
  { header: 'CLUSTER', value: (o) => o.cluster_id },
  { header: 'DURATION', value: (o) => (o.duration_ms === null ? '' : `${(o.duration_ms / 1000).toFixed(1)}s`) },
  { header: 'ERROR', value: (o) => o.error ?? o.status_message },
  { header: 'CREATED', value: (o) => o.created_at },
];

/** A cluster's id from an id (cl_...) or its exact name in the organization. */
export async function clusterId(ctx: Context, nameOrId: string): Promise<string> {
  if (/^cl_[0-9a-z]+$/.test(nameOrId)) return nameOrId;
  const found = await unwrap(ctx.api.v1.clusters.$get({ query: { search: nameOrId, limit: '100', ...(ctx.org ? { org_id: ctx.org } : {}) } }));
  const matches = found.data.filter((c) => c.name === nameOrId);
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length === 0) throw new CliError(`No cluster named "${nameOrId}"`, EXIT.notFound, 'not_found', 404);
  throw new CliError(`${matches.length} clusters are named "${nameOrId}"; name one by id: ${matches.map((c) => c.id).join(', ')}`, EXIT.usage, 'ambiguous');
}

export function waitSeconds(input: Input): number {
  const given = str(input, 'timeout');
  if (given === undefined) return DEFAULT_WAIT_SECONDS;
  const seconds = Number(given);
  if (!Number.isFinite(seconds) || seconds <= 0) throw usageError(`--timeout must be a number of seconds; got "${given}"`);
  return seconds;
}

/** A change's answer; under --wait, the operation followed to its end and the cluster as it then is. */
export async function changed(ctx: Context, input: Input, answer: { cluster: Cluster; operation: Operation }): Promise<Result> {
  let { cluster, operation } = answer;
  if (flag(input, 'wait')) {
    operation = await waitForOperation(ctx, operation, waitSeconds(input));
    if (operation.action !== 'delete') cluster = (await unwrap(ctx.api.v1.clusters[':id'].$get({ param: { id: cluster.id } }))).cluster;
  }
  const data = { cluster, operation };
  return rows(data, [{ cluster, operation }], [
    { header: 'CLUSTER', value: (r) => r.cluster.id },
    { header: 'NAME', value: (r) => r.cluster.name },
    { header: 'STATUS', value: (r) => (r.operation.action === 'delete' && r.operation.status === 'finished' ? 'deleted' : r.cluster.status) },
    { header: 'OPERATION', value: (r) => r.operation.id },
    { header: 'ACTION', value: (r) => r.operation.action },
    { header: 'OP STATUS', value: (r) => r.operation.status },
  ]);
}
