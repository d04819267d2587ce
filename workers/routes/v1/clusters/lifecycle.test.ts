import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog } from '../../../../drizzle/schema.ts';
import { call, errorCode, joinOrg, setPlan, signUp, withCatalog } from '../../../test/harness.ts';
import { createCluster, report, seedRegion } from '../../../test/clusters.ts';

describe('cluster lifecycle through the API and the ClusterDO', () => {
  it('creates a cluster (202, provisioning, operation in flight) that the region report makes running', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const res = await createCluster(ada, region, { name: 'orders-db', size: 'small', version: '16' });
    expect(res.status).toBe(202);
    expect(res.body.cluster).toMatchObject({
      name: 'orders-db',
      status: 'provisioning',
      size: 'small',
      version: '16',
      generation: 1,
      observed_generation: 0,
      endpoint: null,
      project_id: ada.projectId,
      org_id: ada.orgId,
      database: 'app',
      username: 'app',
    });
    expect(res.body.operation).toMatchObject({ action: 'create', generation: 1 });
    expect(JSON.stringify(res.body)).not.toMatch(/password/i);
    const id = res.body.cluster.id;

    await report(region, id, { phase: 'provisioning', ready_instances: 0, endpoint: null });
    let op = await call('GET', `/v1/operations/${res.body.operation.id}`, { token: ada.token });
    expect(op.body.operation.status).toBe('running');

    await report(region, id, { phase: 'running' });
    const got = await call('GET', `/v1/clusters/${id}`, { token: ada.token });
    expect(got.body.cluster).toMatchObject({ status: 'running', health: 'healthy', observed_generation: 1, endpoint: { host: '127.0.0.1', port: 6543 } });
    op = await call('GET', `/v1/operations/${res.body.operation.id}`, { token: ada.token });
    expect(op.body.operation.status).toBe('finished');
    expect(op.body.operation.duration_ms).toBeGreaterThanOrEqual(0);

    const events = await call('GET', `/v1/clusters/${id}/events`, { token: ada.token });
    expect(events.body.data.map((e: { message: string }) => e.message)).toContain('Status changed from provisioning to running');
    const audited = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.targetId, id)));
    expect(audited.map((a) => a.action)).toContain('cluster.create');
  });

  it('refuses a second mutation while one is in flight with 409 operation_in_progress and its id', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const created = await createCluster(ada, region);
    const id = created.body.cluster.id;
    const busy = await call('POST', `/v1/clusters/${id}/sleep`, { token: ada.token });
    expect(busy.status).toBe(409);
    expect(errorCode(busy)).toBe('operation_in_progress');
    expect(busy.body.error.details.operation_id).toBe(created.body.operation.id);

    await report(region, id, { phase: 'running' });
    const sleep = await call('POST', `/v1/clusters/${id}/sleep`, { token: ada.token });
    expect(sleep.status).toBe(202);
    expect(sleep.body.cluster).toMatchObject({ status: 'updating', generation: 2 });
    // A late report of the old generation neither finishes the sleep nor flips the status back.
    await report(region, id, { observed_generation: 1, phase: 'running' });
    expect((await call('GET', `/v1/clusters/${id}`, { token: ada.token })).body.cluster.status).toBe('updating');
    await report(region, id, { observed_generation: 2, phase: 'sleeping', endpoint: null, ready_instances: 0 });
    const slept = await call('GET', `/v1/clusters/${id}`, { token: ada.token });
    expect(slept.body.cluster).toMatchObject({ status: 'sleeping', endpoint: null });
    expect((await call('POST', `/v1/clusters/${id}/sleep`, { token: ada.token })).status).toBe(409);
    expect((await call('PATCH', `/v1/clusters/${id}`, { token: ada.token, body: { size: 'small' } })).status).toBe(409);

    const wake = await call('POST', `/v1/clusters/${id}/wake`, { token: ada.token });
    expect(wake.body.cluster.status).toBe('waking');
    await report(region, id, { observed_generation: 3, phase: 'running' });
    expect((await call('GET', `/v1/clusters/${id}`, { token: ada.token })).body.cluster.status).toBe('running');
  });

  it('resizes and updates settings as operations, and never shrinks storage', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const { body } = await createCluster(ada, region, { storage_gb: 20 });
    await report(region, body.cluster.id, { phase: 'running' });
    const shrink = await call('PATCH', `/v1/clusters/${body.cluster.id}`, { token: ada.token, body: { storage_gb: 10 } });
    expect(shrink.status).toBe(400);
    const resize = await call('PATCH', `/v1/clusters/${body.cluster.id}`, { token: ada.token, body: { size: 'medium', storage_gb: 40 } });
    expect(resize.status).toBe(202);
    expect(resize.body.operation.action).toBe('resize');
    expect(resize.body.cluster).toMatchObject({ size: 'medium', storage_gb: 40 });
    await report(region, body.cluster.id, { observed_generation: 2, phase: 'running' });
    const settings = await call('PATCH', `/v1/clusters/${body.cluster.id}`, { token: ada.token, body: { settings: { suspend_timeout_seconds: 300 } } });
    expect(settings.body.operation.action).toBe('update');
    expect(settings.body.cluster.settings).toEqual({ suspend_timeout_seconds: 300 });
    const bad = await call('PATCH', `/v1/clusters/${body.cluster.id}`, { token: ada.token, body: { settings: { min_cu: 4, max_cu: 1 } } });
    expect(bad.status).toBe(400);
  });

  it('fails the operation when the region reports failure', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const { body } = await createCluster(ada, region);
    await report(region, body.cluster.id, { phase: 'failed', message: 'disk full', endpoint: null, ready_instances: 0 });
    const op = await call('GET', `/v1/operations/${body.operation.id}`, { token: ada.token });
    expect(op.body.operation).toMatchObject({ status: 'failed', error: 'disk full' });
    const got = await call('GET', `/v1/clusters/${body.cluster.id}`, { token: ada.token });
    expect(got.body.cluster).toMatchObject({ status: 'failed', health: 'unhealthy', status_message: 'disk full' });
  });

  it('deletes: supersedes a stuck operation, then frees the name once the region confirms', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const { body } = await createCluster(ada, region, { name: 'stuck-db' });
    const del = await call('DELETE', `/v1/clusters/${body.cluster.id}`, { token: ada.token });
    expect(del.status).toBe(202);
    expect(del.body.cluster.status).toBe('deleting');
    expect((await call('GET', `/v1/operations/${body.operation.id}`, { token: ada.token })).body.operation.status).toBe('cancelled');
    expect((await call('DELETE', `/v1/clusters/${body.cluster.id}`, { token: ada.token })).status).toBe(409);

    await report(region, body.cluster.id, { observed_generation: 2, phase: 'deleted', endpoint: null, ready_instances: 0 });
    expect((await call('GET', `/v1/operations/${del.body.operation.id}`, { token: ada.token })).body.operation.status).toBe('finished');
    expect((await call('GET', `/v1/clusters/${body.cluster.id}`, { token: ada.token })).body.cluster.status).toBe('deleted');
    const list = await call('GET', '/v1/clusters', { token: ada.token });
    expect(list.body.data).toEqual([]);
    // Gone reports are final: later reports change nothing, mutations answer 404.
    await report(region, body.cluster.id, { observed_generation: 2, phase: 'running' });
    expect((await call('GET', `/v1/clusters/${body.cluster.id}`, { token: ada.token })).body.cluster.status).toBe('deleted');
    expect((await call('POST', `/v1/clusters/${body.cluster.id}/wake`, { token: ada.token })).status).toBe(404);
    expect((await createCluster(ada, region, { name: 'stuck-db' })).status).toBe(202);
  });

  it('drops reports that come from another region than the cluster’s', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const other = await seedRegion();
    const { body } = await createCluster(ada, region);
    await report(other, body.cluster.id, { phase: 'running' });
    expect((await call('GET', `/v1/clusters/${body.cluster.id}`, { token: ada.token })).body.cluster.status).toBe('provisioning');
  });

  it('enforces the plan quota: one cluster on free', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    expect((await createCluster(ada, region)).status).toBe(202);
    const second = await createCluster(ada, region);
    expect(second.status).toBe(422);
    expect(errorCode(second)).toBe('quota_exceeded');
    await setPlan(ada.orgId, 'pro');
    expect((await createCluster(ada, region)).status).toBe(202);
  });

  it('validates names, sizes and limits, and refuses duplicates in a project', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'pro');
    const region = await seedRegion();
    for (const body of [
      { name: 'ab' },
      { name: 'Upper-Case' },
      { name: '-leading' },
      { name: 'x'.repeat(64) },
      { size: 'huge' },
      { instances: 6 },
      { storage_gb: 0 },
      { version: '14' },
      { password: 'short' },
      { engine: 'nats' },
      { unknown: true },
    ]) {
      const res = await createCluster(ada, region, body);
      expect([JSON.stringify(body), res.status, errorCode(res)]).toEqual([JSON.stringify(body), 400, 'validation_failed']);
    }
    expect((await createCluster(ada, region, { name: 'same-name' })).status).toBe(202);
    const dup = await createCluster(ada, region, { name: 'same-name' });
    expect(dup.status).toBe(409);
    expect(errorCode(dup)).toBe('conflict');
  });

  it("creates nothing in another organization's region, and lets viewers read clusters", async () => {
    const ada = await signUp();
    const eve = await signUp();
    const adaRegion = await seedRegion(ada.orgId);
    const { body } = await createCluster(ada, adaRegion);
    // Route-specific: the caller's own project with another organization's region (the table aims both elsewhere).
    const intruder = await createCluster(eve, adaRegion);
    expect([intruder.status, errorCode(intruder)]).toEqual([404, 'not_found']);

    const viewer = await joinOrg(ada, ada.orgId, 'viewer');
    expect((await call('GET', `/v1/clusters/${body.cluster.id}`, { token: viewer.token })).status).toBe(200);
  });
});
