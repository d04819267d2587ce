// `agent render` as a process, the way an operator runs it: JSON in (a file or stdin), YAML out on stdout,
// notes on stderr, exit 2 on anything wrong with the input.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { clusterSpec, tempDir } from '../../testing/fixtures.ts';
import { crdValidator } from '../../testing/k8s-schemas.ts';
import { POSTGRES_IMAGE_TAGS, renderClusterManifests } from './manifests.ts';
import { manifestsToYaml, PASSWORD_PLACEHOLDER, renderFromText, RenderInputError } from './render.ts';

const root = resolve(import.meta.dirname, '../../..');
const validators = { Cluster: crdValidator('Cluster'), ObjectStore: crdValidator('ObjectStore'), ScheduledBackup: crdValidator('ScheduledBackup') };
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dir = await tempDir('agent-render');
});

afterAll(async () => {
  await dir.remove();
});

function run(args: string[], stdin: string | null) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'agent/main.ts'), 'render', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  child.stdin.end(stdin ?? '');
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveExit) => child.on('exit', (code) => resolveExit({ code, ...output })));
}

function documents(yamlText: string): unknown[] {
  return parseAllDocuments(yamlText).map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS();
  });
}

const { password_sealed: _unused, ...specWithoutPassword } = clusterSpec({ size: 'medium', version: '16', state: 'sleeping', instances: 2 });
const input = { cluster_id: 'cl_01render', generation: 4, spec: specWithoutPassword, password: 's3cret-Render' };
const expected = renderClusterManifests('cl_01render', 4, clusterSpec({ size: 'medium', version: '16', state: 'sleeping', instances: 2 }), 's3cret-Render', { storageClass: 'fast' });

test('from a file: YAML documents that parse back to the driver\'s objects', async () => {
  const file = join(dir.path, 'cluster.json');
  await writeFile(file, JSON.stringify(input));
  const result = await run(['--driver', 'kubernetes', '--file', file, '--storage-class', 'fast'], null);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout.split(/^---$/m)).toHaveLength(4);
  expect(documents(result.stdout)).toEqual(expected);
  // Kubernetes reads YAML 1.1, where a bare on is a boolean: the annotation must stay a string.
  expect(result.stdout).toContain('cnpg.io/hibernation: "on"');
}, 30_000);

test('from stdin, with a sealed password and none in the clear: a placeholder, said on stderr', async () => {
  const { password: _password, ...rest } = input;
  const sealed = { ...rest, spec: { ...specWithoutPassword, password_sealed: 'v1.abc.def' } };
  const result = await run(['--driver', 'kubernetes'], JSON.stringify(sealed));
  expect(result.code).toBe(0);
  expect(result.stderr).toContain(PASSWORD_PLACEHOLDER);
  const objects = documents(result.stdout) as Array<{ kind: string; stringData?: { password: string } }>;
  expect(objects.map((object) => object.kind)).toEqual(['Namespace', 'Secret', 'Cluster', 'NetworkPolicy']);
  expect(objects[1]!.stringData!.password).toBe(PASSWORD_PLACEHOLDER);
  expect(result.stdout).not.toContain('v1.abc.def');
}, 30_000);

test.each([
  ['not JSON', '{nope', /not JSON/],
  ['a missing spec field', JSON.stringify({ ...input, spec: { ...specWithoutPassword, size: undefined } }), /spec\.size/],
  ['an unknown size', JSON.stringify({ ...input, spec: { ...specWithoutPassword, size: 'huge' } }), /spec\.size/],
  ['a misspelt top-level field', JSON.stringify({ ...input, generaton: 4 }), /generaton/],
  ['an unsupported version', JSON.stringify({ ...input, spec: { ...specWithoutPassword, version: '12' } }), /not supported/],
])('bad input (%s) exits 2 with a clear message', async (_name, stdin, message) => {
  const result = await run([], stdin);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stdout).toBe('');
}, 30_000);

test('a missing file, or the local driver, exits 2', async () => {
  const missing = await run(['--file', join(dir.path, 'nope.json')], null);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('cannot read');
  const local = await run(['--driver', 'local'], JSON.stringify(input));
  expect(local.code).toBe(2);
  expect(local.stderr).toContain('only the kubernetes driver');
}, 30_000);

test('in-process: render options reach the manifests, deleted renders nothing with a note', () => {
  const result = renderFromText(JSON.stringify(input), { imageRepository: 'mirror.example/pg', namespacePrefix: 'tenant-' });
  expect(result.notes).toEqual([]);
  expect(result.yaml).toBe(manifestsToYaml(result.manifests));
  expect(result.yaml).toContain('imageName: mirror.example/pg:16');
  expect(result.manifests[0]!.metadata.name).toBe('tenant-cl-01render');
  const deleted = renderFromText(JSON.stringify({ ...input, spec: { ...specWithoutPassword, state: 'deleted' } }));
  expect(deleted.manifests).toEqual([]);
  expect(deleted.yaml).toBe('');
  expect(deleted.notes.join()).toContain('deleted');
  expect(() => renderFromText(JSON.stringify({ ...input, spec: { ...specWithoutPassword, engine: 'nats' } }))).toThrow(RenderInputError);
});

/** GET /v1/clusters/{id}'s body for a cluster, as the API serializes it (core/clusters/serialize.ts). */
const apiCluster = {
  id: 'cl_01apicluster',
  org_id: 'org_1',
  project_id: 'prj_1',
  name: 'shop',
  engine: 'postgres',
  version: '17',
  region_id: 'rg_1',
  tier: 'dedicated',
  size: 'medium',
  instances: 2,
  ready_instances: 2,
  storage_gb: 20,
  status: 'running',
  health: 'healthy',
  status_message: null,
  endpoint: { host: '203.0.113.7', port: 5432 },
  database: 'shop',
  username: 'shopper',
  generation: 6,
  observed_generation: 6,
  settings: { backup_schedule: '15 4 * * *', backup_retention_days: 30 },
  created_at: '2026-03-01T00:00:00.000Z',
  updated_at: '2026-03-01T00:00:00.000Z',
};
const backupFlags = ['--backup-secret', 'orochi-system/s3', '--backup-endpoint', 'http://minio.storage:9000'];

test('a cluster as GET /v1/clusters/{id} returns it, with the backup flags: what that cluster would get, valid against the CRDs', async () => {
  const result = await run(backupFlags, JSON.stringify({ cluster: apiCluster }));
  expect(result.code).toBe(0);
  expect(result.stderr).toContain(PASSWORD_PLACEHOLDER);
  expect(result.stderr).toContain('orochi-system/s3');
  const objects = documents(result.stdout) as Array<{ kind: string; metadata: { name: string; annotations: Record<string, string> }; spec: Record<string, unknown> }>;
  expect(objects.map((object) => object.kind)).toEqual(['Namespace', 'Secret', 'ObjectStore', 'Cluster', 'NetworkPolicy', 'ScheduledBackup']);
  for (const object of objects) {
    if (object.kind in validators) expect(validators[object.kind as keyof typeof validators](object), object.kind).toBe('');
  }
  const cluster = objects.find((object) => object.kind === 'Cluster')!;
  expect(cluster.metadata.annotations['orochi.cloud/generation']).toBe('6');
  expect(cluster.spec).toMatchObject({ instances: 2, imageName: `ghcr.io/cloudnative-pg/postgresql:${POSTGRES_IMAGE_TAGS[17]}`, bootstrap: { initdb: { database: 'shop', owner: 'shopper' } } });
  expect(objects.find((object) => object.kind === 'ScheduledBackup')!.spec.schedule).toBe('0 15 4 * * *');
  expect(objects.find((object) => object.kind === 'ObjectStore')!.spec.retentionPolicy).toBe('30d');
}, 30_000);

test('in-process: the API shape bare or wrapped; asleep stays asleep, deleted renders nothing; a branch recovers from its source', () => {
  const bare = renderFromText(JSON.stringify(apiCluster));
  expect(bare.manifests).toEqual(renderFromText(JSON.stringify({ cluster: apiCluster })).manifests);
  expect(bare.manifests[0]!.metadata.name).toBe('orochi-cl-01apicluster');
  const asleep = renderFromText(JSON.stringify({ ...apiCluster, status: 'sleeping' }));
  expect(asleep.manifests.find((m) => m.kind === 'Cluster')!.metadata.annotations['cnpg.io/hibernation']).toBe('on');
  expect(renderFromText(JSON.stringify({ ...apiCluster, status: 'deleting' })).manifests).toEqual([]);

  const branch = { ...apiCluster, source: { cluster_id: 'cl_01parent', backup_id: 'bk_01parentbackup', target_time: null } };
  expect(() => renderFromText(JSON.stringify(branch))).toThrow(/object store/);
  const options = { backupStore: { endpointURL: 'http://minio:9000', bucket: 'b', prefix: '', credentialsSecret: { namespace: 'ns', name: 's3' } } };
  const rendered = renderFromText(JSON.stringify(branch), options);
  const spec = rendered.manifests.find((m) => m.kind === 'Cluster')!.spec as { bootstrap: unknown; externalClusters: Array<{ plugin: { parameters: { serverName: string } } }> };
  expect(validators.Cluster(rendered.manifests.find((m) => m.kind === 'Cluster'))).toBe('');
  expect(spec.externalClusters[0]!.plugin.parameters.serverName).toBe('cl_01parent');
  expect(rendered.notes.join('\n')).toContain('bk_01parentbackup');
});

test('in-process: an API cluster missing what the manifests need says which field', () => {
  const { size: _size, ...noSize } = apiCluster;
  expect(() => renderFromText(JSON.stringify({ cluster: noSize }))).toThrow(/cluster\.size/);
  expect(() => renderFromText(JSON.stringify({ ...apiCluster, engine: 'mysql' }))).toThrow(RenderInputError);
});
