// The backup objects of a cluster (barman-cloud ObjectStore, ScheduledBackup, Backup) and the recovery half of a
// Cluster made from a history, each against its real CRD schema made strict, and what they say.
import { describe, expect, test } from 'vitest';
import { DEFAULT_BACKUP_SPEC, type ClusterSpec } from '../../../protocol/agent.ts';
import { clusterSpec } from '../../testing/fixtures.ts';
import { crdValidator } from '../../testing/k8s-schemas.ts';
import {
  BACKUP_CREDENTIALS_SECRET,
  BARMAN_PLUGIN,
  backupObjectName,
  cnpgSchedule,
  OBJECT_STORE_NAME,
  RECOVERY_SOURCE_NAME,
  type BackupStoreOptions,
} from './backup-manifests.ts';
import { BACKUP_ID_ANNOTATION, initialPlacement, isDnsLabel, renderBackupManifest, renderClusterManifests, type CnpgPlacement, type Manifest } from './manifests.ts';

const CLUSTER_ID = 'cl_01jd3k5x8r2m9q7v4w6y0z1a2b';
const SOURCE_ID = 'cl_01jd3k5x8r2m9q7v4w6y0zsrc0';
const store: BackupStoreOptions = {
  endpointURL: 'http://minio.storage.svc:9000',
  bucket: 'orochi-backups',
  prefix: 'region-1/',
  credentialsSecret: { namespace: 'orochi-system', name: 'orochi-backup-s3' },
};
const validate = {
  Cluster: crdValidator('Cluster'),
  Backup: crdValidator('Backup'),
  ScheduledBackup: crdValidator('ScheduledBackup'),
  ObjectStore: crdValidator('ObjectStore'),
};

function render(overrides: Partial<ClusterSpec> = {}, placement?: CnpgPlacement, options = { backupStore: store }): Manifest[] {
  return renderClusterManifests(CLUSTER_ID, 3, clusterSpec(overrides), 'pw', options, placement);
}

function byKind(manifests: Manifest[], kind: string): Manifest & { spec: Record<string, unknown> } {
  const found = manifests.find((manifest) => manifest.kind === kind);
  if (!found) throw new Error(`no ${kind} rendered`);
  return found as Manifest & { spec: Record<string, unknown> };
}

function expectValid(manifests: Manifest[]): void {
  for (const manifest of manifests) {
    const check = validate[manifest.kind as keyof typeof validate];
    if (check) expect(check(manifest), `${manifest.kind} ${manifest.metadata.name}`).toBe('');
  }
}

describe('a cluster in a region with an object store', () => {
  test('gets an ObjectStore before its Cluster and a ScheduledBackup after it, all valid', () => {
    const manifests = render();
    expect(manifests.map((m) => m.kind)).toEqual(['Namespace', 'Secret', 'ObjectStore', 'Cluster', 'NetworkPolicy', 'ScheduledBackup']);
    expectValid(manifests);
    expect(byKind(manifests, 'ObjectStore').apiVersion).toBe('barmancloud.cnpg.io/v1');
  });

  test('archives under its own id below clusters/, with credentials from the copied Secret and its retention', () => {
    const manifests = render({ backups: { ...DEFAULT_BACKUP_SPEC, schedule: '30 2 * * 0', retention_days: 14 } });
    expect(byKind(manifests, 'Cluster').spec.plugins).toEqual([
      { name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: OBJECT_STORE_NAME, serverName: CLUSTER_ID } },
    ]);
    const objectStore = byKind(manifests, 'ObjectStore');
    expect(objectStore.metadata.name).toBe(OBJECT_STORE_NAME);
    expect(objectStore.spec).toMatchObject({
      configuration: {
        destinationPath: 's3://orochi-backups/region-1/clusters/',
        endpointURL: 'http://minio.storage.svc:9000',
        s3Credentials: {
          accessKeyId: { name: BACKUP_CREDENTIALS_SECRET, key: 'ACCESS_KEY_ID' },
          secretAccessKey: { name: BACKUP_CREDENTIALS_SECRET, key: 'ACCESS_SECRET_KEY' },
        },
      },
      retentionPolicy: '14d',
    });
    expect(byKind(manifests, 'ScheduledBackup').spec).toMatchObject({
      cluster: { name: 'postgres' },
      schedule: '0 30 2 * * 0',
      method: 'plugin',
      pluginConfiguration: { name: BARMAN_PLUGIN },
      suspend: false,
    });
  });

  test('a region S3 region goes through the Secret, and a sleeping cluster suspends its schedule', () => {
    const manifests = render({ state: 'sleeping' }, undefined, { backupStore: { ...store, region: 'eu-west-1' } });
    expectValid(manifests);
    expect((byKind(manifests, 'ObjectStore').spec.configuration as { s3Credentials: unknown }).s3Credentials).toMatchObject({ region: { name: BACKUP_CREDENTIALS_SECRET, key: 'REGION' } });
    expect(byKind(manifests, 'ScheduledBackup').spec.suspend).toBe(true);
  });

  test('without an object store: no backup objects and no plugin', () => {
    const manifests = render({}, undefined, {} as { backupStore: BackupStoreOptions });
    expect(manifests.map((m) => m.kind)).toEqual(['Namespace', 'Secret', 'Cluster', 'NetworkPolicy']);
    expect(byKind(manifests, 'Cluster').spec.plugins).toBeUndefined();
  });
});

describe('a branch: a new cluster from another cluster\'s history', () => {
  const atBackup = { cluster_id: SOURCE_ID, backup_id: null, target_time: null };

  test('reads its source\'s serverName, archives under its own, and validates', () => {
    const manifests = render({ source: atBackup });
    expectValid(manifests);
    const cluster = byKind(manifests, 'Cluster').spec;
    expect(cluster.externalClusters).toEqual([
      { name: RECOVERY_SOURCE_NAME, plugin: { name: BARMAN_PLUGIN, parameters: { barmanObjectName: OBJECT_STORE_NAME, serverName: SOURCE_ID } } },
    ]);
    expect((cluster.plugins as Array<{ parameters: { serverName: string } }>)[0]!.parameters.serverName).toBe(CLUSTER_ID);
    // The newest point there is: no recovery target, every archived WAL replayed.
    expect(cluster.bootstrap).toEqual({ recovery: { source: RECOVERY_SOURCE_NAME, database: 'app', owner: 'app', secret: { name: 'postgres-app-credentials' } } });
  });

  test('at a backup it stops once the backup is consistent; at a time it replays up to it', () => {
    const placement = (recovery: CnpgPlacement['recovery']): CnpgPlacement => ({ ...initialPlacement(CLUSTER_ID, clusterSpec()), recovery });
    const backup = render({}, placement({ serverName: SOURCE_ID, barmanBackupId: '20260301T030000', targetTime: null }));
    expectValid(backup);
    expect((byKind(backup, 'Cluster').spec.bootstrap as { recovery: { recoveryTarget: unknown } }).recovery.recoveryTarget).toEqual({ backupID: '20260301T030000', targetImmediate: true });
    const time = render({}, placement({ serverName: SOURCE_ID, barmanBackupId: null, targetTime: '2026-03-01T04:05:06Z' }));
    expectValid(time);
    expect((byKind(time, 'Cluster').spec.bootstrap as { recovery: { recoveryTarget: unknown } }).recovery.recoveryTarget).toEqual({ targetTime: '2026-03-01T04:05:06Z' });
  });

  test('takes the image it is given (its source\'s), and needs an object store', () => {
    const placement: CnpgPlacement = { ...initialPlacement(CLUSTER_ID, clusterSpec({ source: atBackup })), imageName: 'ghcr.io/cloudnative-pg/postgresql:17.2' };
    expect(byKind(render({ source: atBackup }, placement), 'Cluster').spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:17.2');
    expect(() => render({ source: atBackup }, undefined, {} as { backupStore: BackupStoreOptions })).toThrow(/object store/);
  });
});

test('an in-place restore\'s Cluster: its own name, load balancer and serverName', () => {
  const placement: CnpgPlacement = {
    name: 'postgres-r1',
    serverName: `${CLUSTER_ID}-r1`,
    imageName: 'ghcr.io/cloudnative-pg/postgresql:17.9',
    recovery: { serverName: CLUSTER_ID, barmanBackupId: null, targetTime: '2026-03-01T04:05:06Z' },
  };
  const manifests = render({}, placement);
  expectValid(manifests);
  const cluster = byKind(manifests, 'Cluster');
  expect(cluster.metadata.name).toBe('postgres-r1');
  expect(JSON.stringify(cluster.spec.managed)).toContain('"postgres-r1-lb"');
  expect((cluster.spec.plugins as Array<{ parameters: { serverName: string } }>)[0]!.parameters.serverName).toBe(`${CLUSTER_ID}-r1`);
  expect(byKind(manifests, 'ScheduledBackup').spec.cluster).toEqual({ name: 'postgres-r1' });
});

describe('the Backup of a backup asked for', () => {
  test('is named from the backup id, carries it, and validates', () => {
    const backup = renderBackupManifest(CLUSTER_ID, clusterSpec(), { id: 'bk_01jd3k5x8r2m9q7v4w6y0z1a2b', kind: 'manual' }, 'postgres');
    expect(validate.Backup(backup)).toBe('');
    expect(backup.metadata.name).toBe('backup-bk-01jd3k5x8r2m9q7v4w6y0z1a2b');
    expect(isDnsLabel(backupObjectName('BK weird/id'))).toBe(true);
    expect(backup.metadata.annotations[BACKUP_ID_ANNOTATION]).toBe('bk_01jd3k5x8r2m9q7v4w6y0z1a2b');
    expect(backup.spec).toEqual({ cluster: { name: 'postgres' }, method: 'plugin', pluginConfiguration: { name: BARMAN_PLUGIN } });
  });
});

test('the validators bite on the backup kinds', () => {
  const manifests = render();
  const broken = (kind: string, mutate: (spec: Record<string, unknown>) => void) => {
    const copy = structuredClone(byKind(manifests, kind));
    mutate(copy.spec);
    return validate[kind as keyof typeof validate](copy);
  };
  expect(broken('ObjectStore', (spec) => (spec.retentionPolicy = '7 days'))).not.toBe('');
  expect(broken('ObjectStore', (spec) => delete (spec.configuration as Record<string, unknown>).destinationPath)).not.toBe('');
  expect(broken('ScheduledBackup', (spec) => (spec.method = 'plugins'))).not.toBe('');
  expect(broken('ScheduledBackup', (spec) => delete spec.schedule)).not.toBe('');
  expect(broken('Cluster', (spec) => (spec.plugins = [{ isWALArchiver: true }]))).not.toBe('');
});

describe('schedules: five-field UTC cron to CNPG\'s six fields', () => {
  test.each([
    ['0 3 * * *', '0 0 3 * * *'],
    ['*/15 * * * 1-5', '0 */15 * * * 1-5'],
    ['0 0 1,15 * *', '0 0 0 1,15 * *'],
    ['0 0 * * 7', '0 0 0 * * 0'],
    ['0 0 * * 5-7', '0 0 0 * * 0,5,6'],
  ])('%s -> %s', (five, six) => {
    expect(cnpgSchedule(five)).toBe(six);
  });

  test('what the agent refuses, CNPG never gets', () => {
    expect(() => cnpgSchedule('0 3 * *')).toThrow(/five fields/);
    expect(() => cnpgSchedule('61 3 * * *')).toThrow();
  });
});
