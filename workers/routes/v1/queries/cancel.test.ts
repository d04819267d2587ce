// DELETE /v1/queries/{id}: a statement sent with a query_id of the client's choosing is cancelled while it runs at the
// (fake) agent, which then answers it as cancelled; other organizations and viewers cannot cancel it.
import { describe, expect, it } from 'vitest';
import { newId } from '../../../../protocol/ids.ts';
import { eventually } from '../../../test/agents.ts';
import { call, errorCode, joinOrg, signUp } from '../../../test/harness.ts';
import { answer, answered, auditRows, clusterWithAgent, nextRequest } from '../../../test/observability.ts';

/** Sends a statement with its own query_id and waits until the agent holds it and its audit row is written. */
async function runningStatement() {
  const held = await clusterWithAgent();
  const queryId = newId('qr');
  const running = call('POST', `/v1/clusters/${held.clusterId}/query`, { token: held.account.token, body: { sql: 'select pg_sleep(60)', query_id: queryId } });
  const sql = await nextRequest(held.agent);
  expect([sql.kind, sql.payload.query_id]).toEqual(['sql', queryId]);
  // The audit row is written beside the dispatch; a cancel finds the statement through it.
  await eventually(async () => expect(await auditRows(held.clusterId, 'cluster.query')).toHaveLength(1));
  return { ...held, queryId, running, sql };
}

describe('DELETE /v1/queries/{id}', () => {
  it('cancels a running statement at its agent, which then answers it 409 query_cancelled', async () => {
    const { account, clusterId, agent, queryId, running, sql } = await runningStatement();
    const { request, res } = await answered(agent, call('DELETE', `/v1/queries/${queryId}`, { token: account.token }), 'cancel', {
      ok: true,
      result: { cancelled: true },
    });
    expect(request.cluster_id).toBe(clusterId);
    expect(request.payload).toEqual({ query_id: queryId });
    expect([res.status, res.body]).toEqual([200, { query_id: queryId, cancelled: true }]);

    answer(agent, sql, { ok: false, code: 'cancelled', error: 'canceling statement due to user request' });
    const cancelled = await running;
    expect([cancelled.status, errorCode(cancelled)]).toEqual([409, 'query_cancelled']);
    const [audited] = await auditRows(clusterId, 'cluster.query_cancel');
    expect(audited?.metadata).toEqual({ query_id: queryId, cancelled: true });
    agent.close();
  });

  it('says cancelled: false for a statement that had already ended', async () => {
    const { account, agent, queryId, running, sql } = await runningStatement();
    answer(agent, sql, { ok: true, result: { query_id: queryId, command: 'SELECT', columns: [], rows: [], row_count: 0, truncated: false, duration_ms: 1 } });
    expect((await running).status).toBe(200);
    const { res } = await answered(agent, call('DELETE', `/v1/queries/${queryId}`, { token: account.token }), 'cancel', { ok: true, result: { cancelled: false } });
    expect([res.status, res.body.cancelled]).toEqual([200, false]);
    agent.close();
  });

  it("answers 404 for an unknown id and for another organization's statement, 403 to a viewer, 400 for a malformed id", async () => {
    const { account, agent, queryId, running, sql } = await runningStatement();
    const unknown = await call('DELETE', `/v1/queries/${newId('qr')}`, { token: account.token });
    expect([unknown.status, errorCode(unknown)]).toEqual([404, 'not_found']);
    const bob = await signUp();
    const foreign = await call('DELETE', `/v1/queries/${queryId}`, { token: bob.token });
    expect([foreign.status, errorCode(foreign)]).toEqual([404, 'not_found']);
    const viewer = await joinOrg(account, account.orgId, 'viewer');
    const refused = await call('DELETE', `/v1/queries/${queryId}`, { token: viewer.token });
    expect([refused.status, errorCode(refused)]).toEqual([403, 'forbidden']);
    const malformed = await call('DELETE', '/v1/queries/not-an-id', { token: account.token });
    expect([malformed.status, errorCode(malformed)]).toEqual([400, 'validation_failed']);
    // None of them reached the agent: the only request it holds is the statement itself.
    expect(agent.received.filter((m) => m.type === 'request').map((m) => m.kind)).toEqual(['sql']);

    answer(agent, sql, { ok: false, code: 'cancelled', error: 'cancelled' });
    await running;
    agent.close();
  });
});
