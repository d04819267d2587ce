// The read side of a cluster's observability through the real Worker: metrics and health history from its ClusterDO
// (fed by a fake agent on a real WebSocket), and the log history, schema and query insights that the agent answers.
import { describe, expect, it } from 'vitest';
import { metricSeries } from '../../../../protocol/enums.ts';
import { OBSERVABILITY_LIMITS } from '../../../../protocol/observability.ts';
import { eventually } from '../../../test/agents.ts';
import { createCluster, report, seedRegion } from '../../../test/clusters.ts';
import { call, errorCode, joinOrg, signUp, type Account } from '../../../test/harness.ts';
import { answered, auditRows, clusterWithAgent } from '../../../test/observability.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function expectInvalid(account: Account, path: string, field: string) {
  const res = await call('GET', path, { token: account.token });
  expect([res.status, errorCode(res)], `${path}: ${JSON.stringify(res.body)}`).toEqual([400, 'validation_failed']);
  expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
}

async function sleepingCluster() {
  const ada = await signUp();
  const region = await seedRegion();
  const id = (await createCluster(ada, region)).body.cluster.id as string;
  await report(region, id, { phase: 'running' });
  expect((await call('POST', `/v1/clusters/${id}/sleep`, { token: ada.token })).status).toBe(202);
  await report(region, id, { observed_generation: 2, phase: 'sleeping', endpoint: null, ready_instances: 0 });
  return { ada, id };
}

describe('GET /v1/clusters/{id}/metrics', () => {
  it("serves the points the cluster's agent reported, for the series asked", async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const at = Date.now() - 5_000;
    agent.send({ type: 'metrics', cluster_id: clusterId, at: iso(at), values: { cpu_percent: 12.5, connections_active: 3, transactions_per_second: 40 } });
    const body = await eventually(async () => {
      const res = await call('GET', `/v1/clusters/${clusterId}/metrics?series=cpu_percent,connections_active`, { token: account.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.series.cpu_percent).toContain(12.5);
      return res.body;
    });
    expect(body.cluster_id).toBe(clusterId);
    expect(Object.keys(body.series).sort()).toEqual(['connections_active', 'cpu_percent']);
    expect(body.series.connections_active).toContain(3);
    expect(body.series.cpu_percent).toHaveLength(body.timestamps.length);
    // The default range is the last hour.
    expect(Date.parse(body.to) - Date.parse(body.from)).toBeGreaterThanOrEqual(HOUR - 60_000);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBeLessThanOrEqual(HOUR + 60_000);

    const all = await call('GET', `/v1/clusters/${clusterId}/metrics`, { token: account.token });
    expect(Object.keys(all.body.series).every((name) => (metricSeries as readonly string[]).includes(name))).toBe(true);
    expect(all.body.series.transactions_per_second).toContain(40);

    const stepped = await call('GET', `/v1/clusters/${clusterId}/metrics?from=${iso(Date.now() - 6 * HOUR)}&step=3600`, { token: account.token });
    expect([stepped.status, stepped.body.step_seconds]).toEqual([200, 3600]);
    agent.close();
  });

  it('refuses unknown series, steps out of bounds and bad ranges with 400', async () => {
    const ada = await signUp();
    const id = (await createCluster(ada, await seedRegion())).body.cluster.id;
    const base = `/v1/clusters/${id}/metrics`;
    const now = Date.now();
    await expectInvalid(ada, `${base}?series=cpu_percent,disk_iops`, 'series');
    await expectInvalid(ada, `${base}?series=`, 'series');
    await expectInvalid(ada, `${base}?step=5`, 'step');
    await expectInvalid(ada, `${base}?step=86401`, 'step');
    await expectInvalid(ada, `${base}?step=ten`, 'step');
    await expectInvalid(ada, `${base}?from=yesterday`, 'from');
    await expectInvalid(ada, `${base}?from=${iso(now - HOUR)}&to=${iso(now - 2 * HOUR)}`, 'from');
    await expectInvalid(ada, `${base}?from=${iso(now - 91 * 24 * HOUR)}`, 'from');
    await expectInvalid(ada, `${base}?to=${iso(now + 5 * 60_000)}`, 'to');
  });

  it('serves the history of a sleeping cluster, and 404 to another organization', async () => {
    const { ada, id } = await sleepingCluster();
    const res = await call('GET', `/v1/clusters/${id}/metrics`, { token: ada.token });
    expect([res.status, res.body.cluster_id]).toEqual([200, id]);
    const bob = await signUp();
    const foreign = await call('GET', `/v1/clusters/${id}/metrics`, { token: bob.token });
    expect([foreign.status, errorCode(foreign)]).toEqual([404, 'not_found']);
  });
});

describe('GET /v1/clusters/{id}/health/history', () => {
  it("serves the cluster's probes over the last 24 hours by default", async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    agent.send({ type: 'health', cluster_id: clusterId, at: iso(Date.now() - 2_000), ok: true, latency_ms: 1.25, error: null });
    const body = await eventually(async () => {
      const res = await call('GET', `/v1/clusters/${clusterId}/health/history`, { token: account.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.latency.values).toContain(1.25);
      return res.body;
    });
    expect(body.cluster_id).toBe(clusterId);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBeGreaterThanOrEqual(24 * HOUR - 60_000);
    expect(body.intervals.map((i: { state: string }) => i.state)).toContain('up');
    agent.close();
  });

  it('refuses a range over 30 days or backwards with 400, and answers another organization 404', async () => {
    const { ada, id } = await sleepingCluster();
    const now = Date.now();
    await expectInvalid(ada, `/v1/clusters/${id}/health/history?from=${iso(now - 31 * 24 * HOUR)}`, 'from');
    await expectInvalid(ada, `/v1/clusters/${id}/health/history?from=${iso(now)}&to=${iso(now - HOUR)}`, 'from');
    const ok = await call('GET', `/v1/clusters/${id}/health/history?from=${iso(now - 30 * 24 * HOUR + 60_000)}`, { token: ada.token });
    expect(ok.status).toBe(200);
    const foreign = await call('GET', `/v1/clusters/${id}/health/history`, { token: (await signUp()).token });
    expect(foreign.status).toBe(404);
  });
});

describe('GET /v1/clusters/{id}/logs', () => {
  it("asks the agent for the lines that match and answers them", async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const since = iso(Date.now() - HOUR);
    const entries = [
      { at: iso(Date.now() - 60_000), level: 'warning', message: 'checkpoints are occurring too frequently', sqlstate: null },
      { at: iso(Date.now() - 30_000), level: 'error', message: 'deadlock detected', sqlstate: '40P01' },
    ];
    const { request, res } = await answered(
      agent,
      call('GET', `/v1/clusters/${clusterId}/logs?since=${since}&level=warning&search=deadlock&limit=50`, { token: account.token }),
      'logs',
      { ok: true, result: { entries } },
    );
    expect(request.payload).toEqual({ since, level: 'warning', search: 'deadlock', limit: 50 });
    expect([res.status, res.body]).toEqual([200, { data: entries }]);

    const defaults = await answered(agent, call('GET', `/v1/clusters/${clusterId}/logs`, { token: account.token }), 'logs', { ok: true, result: { entries: [] } });
    expect(defaults.request.payload).toEqual({ since: null, level: null, search: null, limit: OBSERVABILITY_LIMITS.logLimitDefault });
    agent.close();
  });

  it('refuses a limit over the maximum or an unknown level with 400, and answers 503 with no agent', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const id = (await createCluster(ada, region)).body.cluster.id;
    await report(region, id, { phase: 'running' });
    await expectInvalid(ada, `/v1/clusters/${id}/logs?limit=${OBSERVABILITY_LIMITS.logLimitMax + 1}`, 'limit');
    await expectInvalid(ada, `/v1/clusters/${id}/logs?level=loud`, 'level');
    const offline = await call('GET', `/v1/clusters/${id}/logs`, { token: ada.token });
    expect([offline.status, errorCode(offline)]).toEqual([503, 'region_unavailable']);
  });
});

describe('GET /v1/clusters/{id}/schema', () => {
  it("answers the agent's view of the database", async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const viewer = await joinOrg(account, account.orgId, 'viewer');
    const schema = {
      schemas: [{ name: 'public', owner: 'app' }],
      tables: [
        {
          schema: 'public',
          name: 'customers',
          row_estimate: -1,
          size_bytes: 16384,
          columns: [{ name: 'id', type: 'integer', nullable: false, default: null }],
          indexes: [{ name: 'customers_pkey', definition: 'CREATE UNIQUE INDEX customers_pkey ON public.customers USING btree (id)', unique: true, primary: true }],
          foreign_keys: [],
        },
      ],
      views: [],
      extensions: [{ name: 'plpgsql', version: '1.0', schema: 'pg_catalog' }],
    };
    // Reading table names is read access: a viewer may.
    const { request, res } = await answered(agent, call('GET', `/v1/clusters/${clusterId}/schema`, { token: viewer.token }), 'schema', { ok: true, result: schema });
    expect([request.cluster_id, request.payload]).toEqual([clusterId, {}]);
    expect([res.status, res.body]).toEqual([200, schema]);

    const unreadable = await answered(agent, call('GET', `/v1/clusters/${clusterId}/schema`, { token: account.token }), 'schema', { ok: true, result: { tables: 'many' } });
    expect([unreadable.res.status, errorCode(unreadable.res)]).toEqual([503, 'region_unavailable']);
    agent.close();
  });

  it('answers 409 for a sleeping cluster', async () => {
    const { ada, id } = await sleepingCluster();
    const res = await call('GET', `/v1/clusters/${id}/schema`, { token: ada.token });
    expect([res.status, errorCode(res)]).toEqual([409, 'cluster_sleeping']);
  });
});

describe('query insights', () => {
  const statement = {
    query_id: '-123456789',
    query: 'select * from customers where id = $1',
    calls: 42,
    total_time_ms: 12.5,
    mean_time_ms: 0.3,
    rows: 42,
    shared_blocks_hit: 100,
    shared_blocks_read: 2,
  };

  it('lists the top statements in the order asked', async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const insights = { since: iso(Date.now() - HOUR), statements: [statement] };
    const { request, res } = await answered(agent, call('GET', `/v1/clusters/${clusterId}/insights?order=calls&limit=5`, { token: account.token }), 'insights', {
      ok: true,
      result: insights,
    });
    expect(request.payload).toEqual({ order: 'calls', limit: 5 });
    expect([res.status, res.body]).toEqual([200, insights]);
    const defaults = await answered(agent, call('GET', `/v1/clusters/${clusterId}/insights`, { token: account.token }), 'insights', { ok: true, result: insights });
    expect(defaults.request.payload).toEqual({ order: 'total_time', limit: OBSERVABILITY_LIMITS.insightsLimitDefault });
    await expectInvalid(account, `/v1/clusters/${clusterId}/insights?order=rows`, 'order');
    await expectInvalid(account, `/v1/clusters/${clusterId}/insights?limit=${OBSERVABILITY_LIMITS.insightsLimitMax + 1}`, 'limit');
    agent.close();
  });

  it('resets them for a developer, audited, and refuses a viewer with 403', async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const developer = await joinOrg(account, account.orgId, 'developer');
    const viewer = await joinOrg(account, account.orgId, 'viewer');
    const refused = await call('POST', `/v1/clusters/${clusterId}/insights/reset`, { token: viewer.token });
    expect([refused.status, errorCode(refused)]).toEqual([403, 'forbidden']);
    const resetAt = new Date().toISOString();
    const { request, res } = await answered(agent, call('POST', `/v1/clusters/${clusterId}/insights/reset`, { token: developer.token }), 'insights_reset', {
      ok: true,
      result: { reset_at: resetAt },
    });
    expect(request.payload).toEqual({});
    expect([res.status, res.body]).toEqual([200, { reset_at: resetAt }]);
    const [audited] = await auditRows(clusterId, 'cluster.insights_reset');
    expect([audited?.actorId, audited?.metadata]).toEqual([developer.userId, { reset_at: resetAt }]);
    agent.close();
  });

  it('answers 409 for a sleeping cluster', async () => {
    const { ada, id } = await sleepingCluster();
    const res = await call('GET', `/v1/clusters/${id}/insights`, { token: ada.token });
    expect([res.status, errorCode(res)]).toEqual([409, 'cluster_sleeping']);
    const reset = await call('POST', `/v1/clusters/${id}/insights/reset`, { token: ada.token });
    expect([reset.status, errorCode(reset)]).toEqual([409, 'cluster_sleeping']);
  });
});
