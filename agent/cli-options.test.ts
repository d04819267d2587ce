import { expect, test } from 'vitest';
import { parseCommandLine, parseRenderCommandLine, UsageError } from './cli-options.ts';

test('flags win over environment, which wins over defaults', () => {
  expect(parseCommandLine(['--url', 'http://a:1', '--token', 'rt_flag', '--data-dir', '/x'], { OROCHI_URL: 'http://b:2', OROCHI_REGISTRATION_TOKEN: 'rt_env' })).toMatchObject({
    url: 'http://a:1',
    registrationToken: 'rt_flag',
    dataDir: '/x',
    driver: 'local',
  });
  expect(parseCommandLine([], { OROCHI_URL: 'http://b:2', OROCHI_REGISTRATION_TOKEN: 'rt_env', OROCHI_AGENT_DATA_DIR: '/y' })).toMatchObject({
    url: 'http://b:2',
    registrationToken: 'rt_env',
    dataDir: '/y',
  });
  expect(parseCommandLine(['--url', 'http://a:1'], {})).toMatchObject({ registrationToken: null, dataDir: '.orochi/agent', localEngine: 'auto' });
  expect(parseCommandLine(['--help'], {})).toBe('help');
});

test('bad command lines are usage errors', () => {
  expect(() => parseCommandLine([], {})).toThrow(UsageError);
  expect(() => parseCommandLine(['--url', 'ftp://x'], {})).toThrow(/http/);
  expect(() => parseCommandLine(['--url', 'http://a', '--driver', 'docker'], {})).toThrow(/drivers are local and kubernetes/);
  expect(() => parseCommandLine(['--url', 'http://a', '--kubeconfig', 'k.yaml'], {})).toThrow(/for --driver kubernetes/);
  expect(() => parseCommandLine(['--url', 'http://a', '--driver', 'kubernetes', '--kubeconfig', ''], {})).toThrow(/must not be empty/);
  expect(() => parseCommandLine(['--url', 'http://a', '--bogus'], {})).toThrow(UsageError);
  expect(() => parseCommandLine(['--url', 'http://a'], { OROCHI_LOCAL_ENGINE: 'docker' })).toThrow(/OROCHI_LOCAL_ENGINE/);
});

test('--driver kubernetes takes a kubeconfig and rendering options', () => {
  expect(
    parseCommandLine(['--url', 'http://a', '--driver', 'kubernetes', '--kubeconfig', '/k.yaml', '--storage-class', 'gp3', '--image-repository', 'mirror/pg'], {}),
  ).toMatchObject({ driver: 'kubernetes', kubernetes: { kubeconfig: '/k.yaml', render: { storageClass: 'gp3', imageRepository: 'mirror/pg' } } });
  expect(parseCommandLine(['--url', 'http://a'], { OROCHI_DRIVER: 'kubernetes' })).toMatchObject({ driver: 'kubernetes', kubernetes: { kubeconfig: null, render: {} } });
});

test('render: the kubernetes driver by default, its options, and stdin unless --file', () => {
  expect(parseRenderCommandLine([])).toEqual({ driver: 'kubernetes', file: null, options: {} });
  expect(
    parseRenderCommandLine(['--driver', 'kubernetes', '--file', 'c.json', '--storage-class', 'gp3', '--namespace-prefix', 'tenant-', '--image-repository', 'mirror/pg']),
  ).toEqual({ driver: 'kubernetes', file: 'c.json', options: { storageClass: 'gp3', namespacePrefix: 'tenant-', imageRepository: 'mirror/pg' } });
  expect(parseRenderCommandLine(['-h'])).toBe('help');
});

test('render: bad command lines are usage errors', () => {
  expect(() => parseRenderCommandLine(['--driver', 'local'])).toThrow(/only the kubernetes driver/);
  expect(() => parseRenderCommandLine(['--url', 'http://a'])).toThrow(UsageError);
  expect(() => parseRenderCommandLine(['--file', ''])).toThrow(/must not be empty/);
  expect(() => parseRenderCommandLine(['extra'])).toThrow(UsageError);
});

test('OROCHI_S3_* name the object store; without OROCHI_S3_ENDPOINT backups are not configured', () => {
  expect(parseCommandLine(['--url', 'http://a'], {})).toMatchObject({ objectStore: null });
  expect(
    parseCommandLine(['--url', 'http://a'], {
      OROCHI_S3_ENDPOINT: 'http://127.0.0.1:9000',
      OROCHI_S3_BUCKET: 'backups',
      OROCHI_S3_ACCESS_KEY_ID: 'AKIA',
      OROCHI_S3_SECRET_ACCESS_KEY: 'secret',
      OROCHI_S3_SSE: 'off',
    }),
  ).toMatchObject({ objectStore: { endpoint: 'http://127.0.0.1:9000', bucket: 'backups', accessKeyId: 'AKIA', secretAccessKey: 'secret', sse: 'off', forcePathStyle: true } });
  expect(() => parseCommandLine(['--url', 'http://a'], { OROCHI_S3_ENDPOINT: 'http://s3', OROCHI_S3_SSE: 'on' })).toThrow(UsageError);
});

test("kubernetes metrics: the API server's ranges let through to the exporter, checked as CIDRs", () => {
  const agent = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCommandLine(['--url', 'http://a', '--driver', 'kubernetes', ...argv], env);
  expect(agent(['--metrics-from', '10.96.0.1/32, fd00::/64'])).toMatchObject({ kubernetes: { render: { metricsFrom: ['10.96.0.1/32', 'fd00::/64'] } } });
  expect(agent([], { OROCHI_K8S_METRICS_FROM: '172.20.0.0/16' })).toMatchObject({ kubernetes: { render: { metricsFrom: ['172.20.0.0/16'] } } });
  expect((agent([]) as { kubernetes: { render: object } }).kubernetes.render).not.toHaveProperty('metricsFrom');
  for (const bad of ['10.96.0.1', '10.96.0.300/32', '10.0.0.0/33', 'fd00::/129', 'example.com/24', '10.0.0.0/8/1']) {
    expect(() => agent(['--metrics-from', bad]), bad).toThrow(/CIDR/);
  }
  expect(() => parseCommandLine(['--url', 'http://a', '--metrics-from', '10.0.0.0/8'], {})).toThrow(/for --driver kubernetes/);
  expect(parseRenderCommandLine(['--metrics-from', '10.96.0.1/32'])).toMatchObject({ options: { metricsFrom: ['10.96.0.1/32'] } });
});

test('kubernetes backups: a credentials Secret turns them on, with the endpoint, bucket and prefix of the agent\'s store unless given', () => {
  const s3 = { OROCHI_S3_ENDPOINT: 'https://s3.example', OROCHI_S3_BUCKET: 'region-bk', OROCHI_S3_PREFIX: 'eu/', OROCHI_S3_ACCESS_KEY_ID: 'a', OROCHI_S3_SECRET_ACCESS_KEY: 'b' };
  const agent = (argv: string[], env: NodeJS.ProcessEnv) => parseCommandLine(['--url', 'http://a', '--driver', 'kubernetes', ...argv], env);
  expect(agent([], s3)).toMatchObject({ kubernetes: { render: {} } });
  expect((agent([], s3) as { kubernetes: { render: object } }).kubernetes.render).not.toHaveProperty('backupStore');
  expect(agent(['--backup-secret', 'orochi-system/s3'], s3)).toMatchObject({
    kubernetes: { render: { backupStore: { endpointURL: 'https://s3.example', bucket: 'region-bk', prefix: 'eu/', region: 'us-east-1', credentialsSecret: { namespace: 'orochi-system', name: 's3' } } } },
  });
  expect(agent([], { ...s3, OROCHI_K8S_BACKUP_SECRET: 'ns/s3', OROCHI_K8S_BACKUP_ENDPOINT: 'http://minio.storage:9000' })).toMatchObject({
    kubernetes: { render: { backupStore: { endpointURL: 'http://minio.storage:9000', credentialsSecret: { namespace: 'ns', name: 's3' } } } },
  });
  expect(() => agent(['--backup-secret', 'just-a-name'], s3)).toThrow(/<namespace>\/<name>/);
  expect(() => agent(['--backup-secret', 'ns/s3'], {})).toThrow(/--backup-endpoint/);
  expect(() => agent(['--backup-endpoint', 'http://x'], s3)).toThrow(/--backup-secret/);
  expect(() => parseCommandLine(['--url', 'http://a', '--backup-secret', 'ns/s3'], s3)).toThrow(/for --driver kubernetes/);
});

test('render: the backup flags give the backup objects', () => {
  expect(parseRenderCommandLine(['--backup-secret', 'ns/s3', '--backup-endpoint', 'http://minio:9000', '--backup-prefix', 'r1/'])).toMatchObject({
    options: { backupStore: { endpointURL: 'http://minio:9000', bucket: 'orochi-backups', prefix: 'r1/', credentialsSecret: { namespace: 'ns', name: 's3' } } },
  });
  expect(() => parseRenderCommandLine(['--backup-secret', 'ns/s3'])).toThrow(/--backup-endpoint/);
  expect(() => parseRenderCommandLine(['--backup-secret', 'ns/s3', '--backup-endpoint', 'ftp://x'])).toThrow(/http\(s\)/);
  expect(() => parseRenderCommandLine(['--backup-secret', 'ns/s3', '--backup-endpoint', 'http://x', '--backup-prefix', 'r1'])).toThrow(/end with/);
});
