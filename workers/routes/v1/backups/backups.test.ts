// Backups through the API: "Back up now" is an operation that ends with the region's backup report, scheduled
// backups the region reports appear on their own, deleting one hides it at once, and retention is capped by plan.
import { env } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { clusters } from '../../../../drizzle/schema.ts';
import type { BackupReport } from '../../../../protocol/agent.ts';
import { call, errorCode, setPlan, signUp, withCatalog, type Account } from '../../../test/harness.ts';
import { createCluster, report, seedRegion } from '../../../test/clusters.ts';
import { connectReady } from '../../../test/realtime-client.ts';

async function runningCluster(account: Account) {
  await setPlan(account.orgId, 'enterprise');
  const regionId = await seedRegion(account.orgId);
  const created = await createCluster(account, regionId);
  await report(regionId, created.body.cluster.id, { phase: 'running' });
  return { regionId, clusterId: created.body.cluster.id as string };
}

function backupReport(clusterId: string, backupId: string, over: Partial<BackupReport>): BackupReport {
  return {
    type: 'backup',
    cluster_id: clusterId,
    backup_id: backupId,
    kind: 'manual',
    status: 'running',
    started_at: new Date(Date.now() - 2000).toISOString(),
    finished_at: null,
    size_bytes: null,
    begin_lsn: null,
    end_lsn: null,
    begin_time: null,
    end_time: null,
    error: null,
    at: new Date().toISOString(),
    ...over,
  };
}

const record = (regionId: string, r: BackupReport) => env.CLUSTER.get(env.CLUSTER.idFromName(r.cluster_id)).recordBackup(regionId, r);

describe('backups', () => {
  it('backs up now: an operation that ends when the region reports the backup, followed live', async () => {
    const ada = await signUp();
    const { regionId, clusterId } = await runningCluster(ada);
    const socket = await connectReady({ token: ada.token });
    await socket.subscribe([`cluster:${clusterId}`]);

    const started = await call('POST', `/v1/clusters/${clusterId}/backups`, { token: ada.token });
    expect(started.status).toBe(202);
    const { backup, operation, cluster } = started.body;
    expect(backup).toMatchObject({ cluster_id: clusterId, kind: 'manual', status: 'pending', operation_id: operation.id });
    expect(operation).toMatchObject({ action: 'backup', status: 'pending' });
    // A backup changes nothing the cluster serves.
    expect(cluster.status).toBe('running');
    const [row] = await withCatalog((db) => db.select().from(clusters).where(eq(clusters.id, clusterId)));
    expect(row!.backupRequests.requested?.backup_id).toBe(backup.id);

    // The region moves on to the new generation: the cluster still runs, the operation waits for its backup.
    await report(regionId, clusterId, { phase: 'running', observed_generation: cluster.generation });
    expect((await call('GET', `/v1/operations/${operation.id}`, { token: ada.token })).body.operation.status).toBe('running');

    await record(regionId, backupReport(clusterId, backup.id, { status: 'running' }));
    await socket.next((f) => f.type === 'backup.updated' && f.backup.id === backup.id && f.backup.status === 'running');
    await record(
      regionId,
      backupReport(clusterId, backup.id, {
        status: 'completed',
        finished_at: new Date().toISOString(),
        size_bytes: 12_345,
        begin_lsn: '0/3000028',
        end_lsn: '0/3000138',
        begin_time: new Date(Date.now() - 1500).toISOString(),
        end_time: new Date().toISOString(),
      }),
    );
    const done = (await call('GET', `/v1/backups/${backup.id}`, { token: ada.token })).body.backup;
    expect(done).toMatchObject({ status: 'completed', size_bytes: 12_345, begin_lsn: '0/3000028', end_lsn: '0/3000138' });
    expect(done.duration_ms).toBeGreaterThan(0);
    expect((await call('GET', `/v1/operations/${operation.id}`, { token: ada.token })).body.operation.status).toBe('finished');
    await socket.next((f) => f.type === 'operation.updated' && f.operation.id === operation.id && f.operation.status === 'finished');
    const list = await call('GET', `/v1/clusters/${clusterId}/backups`, { token: ada.token });
    expect(list.body.data.map((b: { id: string }) => b.id)).toEqual([backup.id]);
    socket.close();
  });

  it('fails the operation with the reason when the backup fails, and the next one can succeed', async () => {
    const ada = await signUp();
    const { regionId, clusterId } = await runningCluster(ada);
    const first = (await call('POST', `/v1/clusters/${clusterId}/backups`, { token: ada.token })).body;
    await record(regionId, backupReport(clusterId, first.backup.id, { status: 'failed', finished_at: new Date().toISOString(), error: 'object store http://127.0.0.1:1 unavailable' }));
    const op = (await call('GET', `/v1/operations/${first.operation.id}`, { token: ada.token })).body.operation;
    expect(op).toMatchObject({ status: 'failed', error: 'object store http://127.0.0.1:1 unavailable' });
    const second = await call('POST', `/v1/clusters/${clusterId}/backups`, { token: ada.token });
    expect(second.status).toBe(202);
    expect(second.body.backup.id).not.toBe(first.backup.id);
  });

  it('lists a scheduled backup the region reports on its own', async () => {
    const ada = await signUp();
    const { regionId, clusterId } = await runningCluster(ada);
    await record(regionId, backupReport(clusterId, 'bk_01jd3k5x8r2m9q7v4w6y0z1a2c', { kind: 'scheduled', status: 'completed', finished_at: new Date().toISOString(), size_bytes: 10 }));
    const list = (await call('GET', `/v1/clusters/${clusterId}/backups`, { token: ada.token })).body.data;
    expect(list).toEqual([expect.objectContaining({ id: 'bk_01jd3k5x8r2m9q7v4w6y0z1a2c', kind: 'scheduled', status: 'completed', operation_id: null })]);
    // Reports from another region, or with ids the control plane could not have issued, are dropped.
    const elsewhere = await seedRegion(ada.orgId);
    await record(elsewhere, backupReport(clusterId, 'bk_01jd3k5x8r2m9q7v4w6y0z1a2d', { kind: 'scheduled', status: 'completed' }));
    await record(regionId, backupReport(clusterId, '../../etc', { kind: 'scheduled', status: 'completed' }));
    expect((await call('GET', `/v1/clusters/${clusterId}/backups`, { token: ada.token })).body.data).toHaveLength(1);
  });

  it('hides a backup the region removed (retention), live', async () => {
    const ada = await signUp();
    const { regionId, clusterId } = await runningCluster(ada);
    const id = 'bk_01jd3k5x8r2m9q7v4w6y0z1a2e';
    await record(regionId, backupReport(clusterId, id, { kind: 'scheduled', status: 'completed', finished_at: new Date().toISOString(), size_bytes: 10 }));
    const socket = await connectReady({ token: ada.token });
    await socket.subscribe([`cluster:${clusterId}`]);
    await record(regionId, backupReport(clusterId, id, { kind: 'scheduled', status: 'deleted' }));
    await socket.next((f) => f.type === 'backup.updated' && f.backup.id === id && f.backup.status === 'deleted');
    expect((await call('GET', `/v1/clusters/${clusterId}/backups`, { token: ada.token })).body.data).toEqual([]);
    expect((await call('GET', `/v1/backups/${id}`, { token: ada.token })).status).toBe(404);
    socket.close();
  });

  it('refuses a backup of a cluster that is not running', async () => {
    const ada = await signUp();
    const { regionId, clusterId } = await runningCluster(ada);
    const slept = await call('POST', `/v1/clusters/${clusterId}/sleep`, { token: ada.token });
    await report(regionId, clusterId, { phase: 'sleeping', observed_generation: slept.body.cluster.generation, endpoint: null, ready_instances: 0 });
    const res = await call('POST', `/v1/clusters/${clusterId}/backups`, { token: ada.token });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/Wake the cluster first/);
  });

  it('deletes a backup: gone from the catalog at once, listed for the region to remove; a running one is refused', async () => {
    const ada = await signUp();
    const { regionId, clusterId } = await runningCluster(ada);
    const taken = (await call('POST', `/v1/clusters/${clusterId}/backups`, { token: ada.token })).body.backup;
    expect((await call('DELETE', `/v1/backups/${taken.id}`, { token: ada.token })).status).toBe(409);
    await record(regionId, backupReport(clusterId, taken.id, { status: 'completed', finished_at: new Date().toISOString(), size_bytes: 1 }));
    const deleted = await call('DELETE', `/v1/backups/${taken.id}`, { token: ada.token });
    expect(deleted.status).toBe(200);
    expect(deleted.body.backup.status).toBe('deleted');
    expect(errorCode(await call('GET', `/v1/backups/${taken.id}`, { token: ada.token }))).toBe('not_found');
    expect((await call('GET', `/v1/clusters/${clusterId}/backups`, { token: ada.token })).body.data).toEqual([]);
    const [row] = await withCatalog((db) => db.select().from(clusters).where(eq(clusters.id, clusterId)));
    expect(row!.backupRequests.deleted_backup_ids).toEqual([taken.id]);
    // A late report does not bring it back.
    await record(regionId, backupReport(clusterId, taken.id, { status: 'completed', finished_at: new Date().toISOString(), size_bytes: 1 }));
    expect((await call('GET', `/v1/clusters/${clusterId}/backups`, { token: ada.token })).body.data).toEqual([]);
  });

  it('caps backup retention by plan', async () => {
    const ada = await signUp();
    const { clusterId } = await runningCluster(ada);
    await setPlan(ada.orgId, 'free');
    const tooLong = await call('PATCH', `/v1/clusters/${clusterId}`, { token: ada.token, body: { settings: { backup_retention_days: 30 } } });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error).toMatchObject({ code: 'quota_exceeded', details: { plan: 'free', limit: 7, requested: 30 } });
    const schedule = await call('PATCH', `/v1/clusters/${clusterId}`, { token: ada.token, body: { settings: { backup_schedule: 'every day' } } });
    expect(schedule.status).toBe(400);
    const fine = await call('PATCH', `/v1/clusters/${clusterId}`, { token: ada.token, body: { settings: { backup_retention_days: 7, backup_schedule: '30 2 * * *' } } });
    expect(fine.status).toBe(202);
  });
});
