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
