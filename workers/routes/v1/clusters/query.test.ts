// POST /v1/clusters/{id}/query through the real Worker and RegionDO to a fake agent on a real WebSocket: what the agent
// is asked, how its answers and refusals reach the client, the limits, and the audit trail.
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../core/crypto.ts';
import { newId } from '../../../../protocol/ids.ts';
import { OBSERVABILITY_LIMITS } from '../../../../protocol/observability.ts';
import { eventually } from '../../../test/agents.ts';
import { createCluster, report, seedRegion } from '../../../test/clusters.ts';
import { call, errorCode, joinOrg, signUp } from '../../../test/harness.ts';
import { answered, auditRows, clusterWithAgent } from '../../../test/observability.ts';

const result = (queryId: string) => ({
  query_id: queryId,
  command: 'SELECT',
  columns: [
    { name: 'id', type: 'int4', type_oid: 23 },
    { name: 'name', type: 'text', type_oid: 25 },
  ],
  rows: [[1, 'ada']],
  row_count: 1,
  truncated: false,
  duration_ms: 1.5,
});

describe('POST /v1/clusters/{id}/query', () => {
  it("runs the statement through the region's agent with the defaults and answers its result", async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const sql = 'select id, name from customers where id = $1';
    const { request, res } = await answered(
      agent,
      call('POST', `/v1/clusters/${clusterId}/query`, { token: account.token, body: { sql, params: [1] } }),
      'sql',
      { ok: true, result: result('placeholder') },
    );
    expect(request.cluster_id).toBe(clusterId);
    expect(request.payload).toEqual({
      query_id: expect.stringMatching(/^qr_[0-9a-z]{26}$/),
      sql,
      params: [1],
      read_only: false,
      timeout_ms: OBSERVABILITY_LIMITS.statementTimeoutDefaultMs,
      row_limit: OBSERVABILITY_LIMITS.rowLimitDefault,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual(result('placeholder'));
    agent.close();
  });

  it('passes read_only, timeout_ms, row_limit and a chosen query_id on', async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const queryId = newId('qr');
    const body = { sql: 'select 1', read_only: true, timeout_ms: 1_000, row_limit: 10, query_id: queryId };
    const { request, res } = await answered(agent, call('POST', `/v1/clusters/${clusterId}/query`, { token: account.token, body }), 'sql', {
      ok: true,
      result: { ...result(queryId), truncated: true },
    });
    expect(request.payload).toEqual({ ...body, params: [] });
    expect([res.status, res.body.query_id, res.body.truncated]).toEqual([200, queryId, true]);
    agent.close();
  });

  it('audits the statement with its SHA-256 and first 200 characters, never its parameters', async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const sql = `select * from customers where secret_column = $1 /* ${'x'.repeat(300)} */`;
    const param = 'the-parameter-value-4711';
    const { request, res } = await answered(
      agent,
      call('POST', `/v1/clusters/${clusterId}/query`, { token: account.token, body: { sql, params: [param] } }),
      'sql',
      { ok: true, result: result('q') },
    );
    expect(res.status).toBe(200);
    const [row] = await eventually(async () => {
      const rows = await auditRows(clusterId, 'cluster.query');
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(row!.actorId).toBe(account.userId);
    expect(row!.orgId).toBe(account.orgId);
    expect(row!.metadata).toEqual({
      query_id: request.payload.query_id,
      sql_sha256: await sha256Hex(sql),
      sql_preview: sql.slice(0, 200),
      read_only: false,
    });
    expect(JSON.stringify(row)).not.toContain(param);
    agent.close();
  });

  it("answers PostgreSQL's refusal as 422 sql_error with its SQLSTATE, position and hint", async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const sql_error = { sqlstate: '42P01', message: 'relation "nope" does not exist', position: 15, hint: 'Check the table name', detail: null };
    const { res } = await answered(agent, call('POST', `/v1/clusters/${clusterId}/query`, { token: account.token, body: { sql: 'select * from nope' } }), 'sql', {
      ok: false,
      code: 'sql_error',
      error: sql_error.message,
      sql_error,
    });
    expect([res.status, errorCode(res)]).toEqual([422, 'sql_error']);
    expect(res.body.error.message).toBe('relation "nope" does not exist');
    expect(res.body.error.details).toEqual({ sqlstate: '42P01', position: 15, hint: 'Check the table name', detail: null });
    agent.close();
  });

  it('answers a timeout as 422 statement_timeout (SQLSTATE 57014) and a driver that cannot as 422 unsupported', async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const send = () => call('POST', `/v1/clusters/${clusterId}/query`, { token: account.token, body: { sql: 'select pg_sleep(10)', timeout_ms: 100 } });
    const timedOut = await answered(agent, send(), 'sql', { ok: false, code: 'timeout', error: 'canceling statement due to statement timeout' });
    expect([timedOut.res.status, errorCode(timedOut.res)]).toEqual([422, 'statement_timeout']);
    expect(timedOut.res.body.error.details.sqlstate).toBe('57014');
    const unsupported = await answered(agent, send(), 'sql', { ok: false, code: 'unsupported', error: 'this driver cannot run SQL' });
    expect([unsupported.res.status, errorCode(unsupported.res), unsupported.res.body.error.message]).toEqual([422, 'unsupported', 'this driver cannot run SQL']);
    agent.close();
  });

  it('refuses over-limit and malformed bodies with 400 naming the limit, before asking the agent', async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ sql: 'x'.repeat(OBSERVABILITY_LIMITS.sqlMaxChars + 1) }, 'sql', '100000'],
      [{ sql: '  \n\t ' }, 'sql', 'blank'],
      [{ sql: 'select 1', timeout_ms: 300_001 }, 'timeout_ms', '300000'],
      [{ sql: 'select 1', timeout_ms: 0 }, 'timeout_ms', ''],
      [{ sql: 'select 1', row_limit: 10_001 }, 'row_limit', '10000'],
      [{ sql: 'select 1', params: Array.from({ length: 101 }, (_, i) => i) }, 'params', '100'],
      [{ sql: 'select 1', params: [{ nested: true }] }, 'params.0', ''],
      [{ sql: 'select 1', query_id: 'mine' }, 'query_id', 'qr_'],
      [{ sql: 'select 1', statement_timeout: 5 }, '', ''],
    ];
    for (const [body, path, named] of cases) {
      const res = await call('POST', `/v1/clusters/${clusterId}/query`, { token: account.token, body });
      expect([res.status, errorCode(res)], JSON.stringify(body).slice(0, 80)).toEqual([400, 'validation_failed']);
      const detail = res.body.error.details.find((d: { path: string }) => d.path === path);
      expect(detail, `${path}: ${JSON.stringify(res.body.error.details)}`).toBeDefined();
      expect(detail.message).toContain(named);
    }
    expect(agent.received.filter((m) => m.type === 'request')).toEqual([]);
    agent.close();
  });

  it('answers 409 for a sleeping cluster, saying so, and for one that is not running yet', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const created = await createCluster(ada, region);
    const id = created.body.cluster.id;
    const provisioning = await call('POST', `/v1/clusters/${id}/query`, { token: ada.token, body: { sql: 'select 1' } });
    expect([provisioning.status, errorCode(provisioning)]).toEqual([409, 'cluster_not_running']);
    expect(provisioning.body.error.message).toContain('provisioning');

    await report(region, id, { phase: 'running' });
    expect((await call('POST', `/v1/clusters/${id}/sleep`, { token: ada.token })).status).toBe(202);
    await report(region, id, { observed_generation: 2, phase: 'sleeping', endpoint: null, ready_instances: 0 });
    const asleep = await call('POST', `/v1/clusters/${id}/query`, { token: ada.token, body: { sql: 'select 1' } });
    expect([asleep.status, errorCode(asleep)]).toEqual([409, 'cluster_sleeping']);
    expect(asleep.body.error.message).toMatch(/is asleep; wake it first/);
  });

  it('answers 503 region_unavailable when no agent is connected', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const created = await createCluster(ada, region);
    await report(region, created.body.cluster.id, { phase: 'running' });
    const res = await call('POST', `/v1/clusters/${created.body.cluster.id}/query`, { token: ada.token, body: { sql: 'select 1' } });
    expect([res.status, errorCode(res)]).toEqual([503, 'region_unavailable']);
  });

  it("answers 404 for another organization's cluster and 403 to a viewer, without asking the agent", async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const bob = await signUp();
    const foreign = await call('POST', `/v1/clusters/${clusterId}/query`, { token: bob.token, body: { sql: 'select 1' } });
    expect([foreign.status, errorCode(foreign)]).toEqual([404, 'not_found']);
    const viewer = await joinOrg(account, account.orgId, 'viewer');
    const refused = await call('POST', `/v1/clusters/${clusterId}/query`, { token: viewer.token, body: { sql: 'select 1' } });
    expect([refused.status, errorCode(refused)]).toEqual([403, 'forbidden']);
    expect(agent.received.filter((m) => m.type === 'request')).toEqual([]);
    agent.close();
  });

  it('lets a developer run SQL', async () => {
    const { account, clusterId, agent } = await clusterWithAgent();
    const developer = await joinOrg(account, account.orgId, 'developer');
    const { res } = await answered(agent, call('POST', `/v1/clusters/${clusterId}/query`, { token: developer.token, body: { sql: 'select 1' } }), 'sql', {
      ok: true,
      result: result('q'),
    });
    expect(res.status).toBe(200);
    agent.close();
  });
});
