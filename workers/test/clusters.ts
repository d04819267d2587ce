// Test helpers for cluster lifecycles: regions to create clusters in, and the region's side of the
// conversation (status reports) delivered to the real ClusterDO.
import { env } from 'cloudflare:test';
import { regions } from '../../drizzle/schema.ts';
import type { AgentStatus } from '../../protocol/agent.ts';
import { newId } from '../../protocol/ids.ts';
import { call, withCatalog, type Account } from './harness.ts';

/** A region the org can use: its own (default) or a shared one. */
export async function seedRegion(orgId: string | null = null): Promise<string> {
  const id = newId('rg');
  await withCatalog((db) =>
    db.insert(regions).values({
      id,
      orgId,
      name: `test-${id.slice(-8)}`,
      provider: 'test',
      driver: 'local',
      visibility: orgId ? 'org' : 'shared',
      status: 'online',
    }),
  );
  return id;
}

export async function createCluster(account: Account, regionId: string, body: Record<string, unknown> = {}) {
  return call('POST', '/v1/clusters', { token: account.token, body: { name: `db-${crypto.randomUUID().slice(0, 8)}`, region_id: regionId, ...body } });
}

/** Delivers a status report as the region's agent would, through the RegionDO's path into the ClusterDO. */
export async function report(regionId: string, clusterId: string, over: Partial<AgentStatus>): Promise<void> {
  const status: AgentStatus = {
    type: 'status',
    cluster_id: clusterId,
    observed_generation: 1,
    phase: 'running',
    ready_instances: 1,
    instances: 1,
    endpoint: { host: '127.0.0.1', port: 6543 },
    message: '',
    at: new Date().toISOString(),
    ...over,
  };
  await env.CLUSTER.get(env.CLUSTER.idFromName(clusterId)).report(regionId, status);
}
