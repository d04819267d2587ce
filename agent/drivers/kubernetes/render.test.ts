// `agent render` as a process, the way an operator runs it: JSON in (a file or stdin), YAML out on stdout,
// notes on stderr, exit 2 on anything wrong with the input.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { clusterSpec, tempDir } from '../../testing/fixtures.ts';
import { renderClusterManifests } from './manifests.ts';
import { manifestsToYaml, PASSWORD_PLACEHOLDER, renderFromText, RenderInputError } from './render.ts';

const root = resolve(import.meta.dirname, '../../..');
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
