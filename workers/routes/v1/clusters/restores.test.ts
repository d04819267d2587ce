// Restores and branches through the API: the restore window the region reports, points refused outside it (422 with
// the window), an in-place restore that keeps the state before it as a branch, branches of a cluster's history and
// their listing, and purging backups with a deleted cluster. The regions' side is the real ClusterDO fed reports.
import { env } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { backups, clusters } from '../../../../drizzle/schema.ts';
import type { RestoreWindowReport } from '../../../../protocol/agent.ts';
import { newId } from '../../../../protocol/ids.ts';
import { call, errorCode, setPlan, signUp, withCatalog, type Account } from '../../../test/harness.ts';
import { createCluster, report, seedRegion } from '../../../test/clusters.ts';
import { connectReady } from '../../../test/realtime-client.ts';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

async function clusterWithHistory(account: Account, window: Partial<RestoreWindowReport> = {}) {
  await setPlan(account.orgId, 'enterprise');
  const regionId = await seedRegion(account.orgId);
  const created = await createCluster(account, regionId);
  const clusterId = created.body.cluster.id as string;
  await report(regionId, clusterId, { phase: 'running' });
  const backupId = newId('bk');
  await withCatalog((db) =>
    db.insert(backups).values({ id: backupId, orgId: account.orgId, clusterId, kind: 'scheduled', status: 'completed', startedAt: new Date(minutesAgo(61)), finishedAt: new Date(minutesAgo(60)) }),
  );
  await sendWindow(regionId, clusterId, { earliest: minutesAgo(60), latest: minutesAgo(1), point_in_time: true, ...window });
  return { regionId, clusterId, backupId, name: created.body.cluster.name as string };
}

function sendWindow(regionId: string, clusterId: string, over: Partial<RestoreWindowReport>) {
  return env.CLUSTER.get(env.CLUSTER.idFromName(clusterId)).recordRestoreWindow(regionId, {
    type: 'restore_window',
    cluster_id: clusterId,
    earliest: null,
    latest: null,
    point_in_time: false,
    limitation: null,
    wal_gap: null,
    at: new Date().toISOString(),
    ...over,
  });
}

describe('restore windows', () => {
  it('shows what the region reported, live, and a WAL gap as an event', async () => {
    const ada = await signUp();
    const { regionId, clusterId } = await clusterWithHistory(ada);
    const window = await call('GET', `/v1/clusters/${clusterId}/restore-window`, { token: ada.token });
    expect(window.status).toBe(200);
    expect(window.body).toMatchObject({ cluster_id: clusterId, point_in_time: true, limitation: null, wal_gap: null });

    const socket = await connectReady({ token: ada.token });
    await socket.subscribe([`cluster:${clusterId}`]);
    const gap = 'WAL segment 000000010000000000000004 is missing from the archive';
    await sendWindow(regionId, clusterId, { earliest: minutesAgo(60), latest: minutesAgo(30), point_in_time: true, wal_gap: gap });
    const live = await socket.next((f) => f.type === 'restore_window.updated');
    expect(live.restore_window).toMatchObject({ cluster_id: clusterId, wal_gap: gap });
    await socket.next((f) => f.type === 'cluster.event' && f.event.type === 'wal_gap');
    socket.close();
  });
});

describe('in-place restores', () => {
  it('restores to a time as an operation and keeps the state before it as a branch', async () => {
    const ada = await signUp();
    const { regionId, clusterId, name } = await clusterWithHistory(ada);
    const target = minutesAgo(30);
    const restored = await call('POST', `/v1/clusters/${clusterId}/restore`, { token: ada.token, body: { target_time: target } });
    expect(restored.status).toBe(202);
    expect(restored.body.operation).toMatchObject({ action: 'restore', status: 'pending' });
    expect(restored.body.cluster.status).toBe('updating');
    const preserved = restored.body.preserved_branch;
    expect(preserved).toMatchObject({ name: `${name}-before-restore`, parent_id: clusterId, status: 'provisioning', region_id: regionId });
    expect(preserved.source.cluster_id).toBe(clusterId);
    expect(preserved.source.backup_id).toBeNull();

    // The command carries the restore; the branch's carries its source at the moment of the request.
    const [row] = await withCatalog((db) => db.select().from(clusters).where(eq(clusters.id, clusterId)));
    expect(row!.restoreRequest).toMatchObject({ target_time: target, backup_id: null });
    expect(row!.restoreRequest!.restore_id).toMatch(/^rs_/);
    expect(preserved.source.target_time).toBe(row!.restoreRequest!.requested_at);

    // Done when the region runs the restored generation.
    await report(regionId, clusterId, { phase: 'running', observed_generation: restored.body.cluster.generation });
    expect((await call('GET', `/v1/operations/${restored.body.operation.id}`, { token: ada.token })).body.operation.status).toBe('finished');

    const branches = await call('GET', `/v1/clusters/${clusterId}/branches`, { token: ada.token });
    expect(branches.body.data.map((c: { id: string }) => c.id)).toEqual([preserved.id]);
    const audit = await call('GET', `/v1/orgs/${ada.orgId}/audit-log`, { token: ada.token });
    if (audit.status === 200) expect(JSON.stringify(audit.body)).toContain('cluster.restore');
  });

  it('refuses a time outside the window with the window, and a PGlite cluster a time at all', async () => {
    const ada = await signUp();
    const { clusterId } = await clusterWithHistory(ada);
    const early = await call('POST', `/v1/clusters/${clusterId}/restore`, { token: ada.token, body: { target_time: minutesAgo(600) } });
    expect([early.status, errorCode(early)]).toEqual([422, 'target_outside_window']);
    expect(early.body.error.details).toMatchObject({ earliest: expect.any(String), latest: expect.any(String) });
    const future = await call('POST', `/v1/clusters/${clusterId}/restore`, { token: ada.token, body: { target_time: new Date(Date.now() + 3_600_000).toISOString() } });
    expect(errorCode(future)).toBe('target_outside_window');
    const both = await call('POST', `/v1/clusters/${clusterId}/restore`, { token: ada.token, body: { target_time: minutesAgo(5), backup_id: 'bk_x' } });
    expect(both.status).toBe(400);
    // Nothing changed.
    expect((await call('GET', `/v1/clusters/${clusterId}`, { token: ada.token })).body.cluster).toMatchObject({ status: 'running', generation: 1 });

    const bob = await signUp();
    const pglite = await clusterWithHistory(bob, { point_in_time: false, limitation: 'PGlite keeps no WAL archive' });
    const refused = await call('POST', `/v1/clusters/${pglite.clusterId}/restore`, { token: bob.token, body: { target_time: minutesAgo(5) } });
    expect([refused.status, errorCode(refused)]).toEqual([422, 'unsupported']);
    expect(refused.body.error.message).toMatch(/PGlite/);
    // Its backups restore.
    const fromBackup = await call('POST', `/v1/clusters/${pglite.clusterId}/restore`, { token: bob.token, body: { backup_id: pglite.backupId, preserve: false } });
    expect(fromBackup.status).toBe(202);
    expect(fromBackup.body.preserved_branch).toBeNull();
  });

  it("answers 404 for another org's backup and cluster", async () => {
    const ada = await signUp();
    const bob = await signUp();
    const adas = await clusterWithHistory(ada);
    const bobs = await clusterWithHistory(bob);
    const foreignBackup = await call('POST', `/v1/clusters/${bobs.clusterId}/restore`, { token: bob.token, body: { backup_id: adas.backupId } });
    expect([foreignBackup.status, errorCode(foreignBackup)]).toEqual([404, 'not_found']);
    const foreignCluster = await call('POST', `/v1/clusters/${adas.clusterId}/restore`, { token: bob.token, body: { backup_id: adas.backupId } });
    expect(foreignCluster.status).toBe(404);
    const foreignBranch = await call('POST', '/v1/clusters', { token: bob.token, body: { name: 'stolen', source: { cluster_id: adas.clusterId } } });
    expect(foreignBranch.status).toBe(404);
  });
});

describe('branches', () => {
  it("makes a branch from a time of the source's history in the source's region", async () => {
    const ada = await signUp();
    const { regionId, clusterId, backupId } = await clusterWithHistory(ada);
    const target = minutesAgo(20);
    const branch = await call('POST', '/v1/clusters', { token: ada.token, body: { name: 'reporting', source: { cluster_id: clusterId, target_time: target } } });
    expect(branch.status).toBe(202);
    expect(branch.body.cluster).toMatchObject({ name: 'reporting', parent_id: clusterId, region_id: regionId, source: { cluster_id: clusterId, backup_id: null, target_time: target } });
    expect(branch.body.operation.action).toBe('branch');

    const fromBackup = await call('POST', '/v1/clusters', { token: ada.token, body: { name: 'at-backup', source: { cluster_id: clusterId, backup_id: backupId } } });
    expect(fromBackup.body.cluster.source).toMatchObject({ backup_id: backupId, target_time: null });
    const newest = await call('POST', '/v1/clusters', { token: ada.token, body: { name: 'now', source: { cluster_id: clusterId } } });
    expect(newest.status).toBe(202);

    const listed = await call('GET', `/v1/clusters/${clusterId}/branches`, { token: ada.token });
    expect(listed.body.data.map((c: { name: string }) => c.name)).toEqual(['reporting', 'at-backup', 'now']);

    const elsewhere = await call('POST', '/v1/clusters', { token: ada.token, body: { name: 'elsewhere', region_id: await seedRegion(ada.orgId), source: { cluster_id: clusterId } } });
    expect([elsewhere.status, errorCode(elsewhere)]).toEqual([400, 'validation_failed']);
    const outside = await call('POST', '/v1/clusters', { token: ada.token, body: { name: 'too-early', source: { cluster_id: clusterId, target_time: minutesAgo(900) } } });
    expect(errorCode(outside)).toBe('target_outside_window');
  });

  it('refuses a branch of a cluster with no backup yet, saying so', async () => {
    const ada = await signUp();
    await setPlan(ada.orgId, 'enterprise');
    const regionId = await seedRegion(ada.orgId);
    const created = await createCluster(ada, regionId);
    const branch = await call('POST', '/v1/clusters', { token: ada.token, body: { name: 'early', source: { cluster_id: created.body.cluster.id } } });
    expect([branch.status, errorCode(branch)]).toEqual([422, 'target_outside_window']);
    expect(branch.body.error.message).toMatch(/no completed backup/);
  });
});

describe('deleting with purge_backups', () => {
  it('tells the region to remove the backups with the cluster', async () => {
    const ada = await signUp();
    const { clusterId } = await clusterWithHistory(ada);
    const deleted = await call('DELETE', `/v1/clusters/${clusterId}?purge_backups=true`, { token: ada.token });
    expect(deleted.status).toBe(202);
    const [row] = await withCatalog((db) => db.select().from(clusters).where(eq(clusters.id, clusterId)));
    expect(row!.backupRequests.purge).toBe(true);
    const bad = await call('DELETE', `/v1/clusters/${clusterId}?purge_backups=yes`, { token: ada.token });
    expect(bad.status).toBe(400);
  });
});
