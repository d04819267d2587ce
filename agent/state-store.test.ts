import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { StateStore } from './state-store.ts';
import { tempDir } from './testing/fixtures.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir('state');
});
afterEach(async () => {
  await dir.remove();
});

test('commits are atomic, mode 0600, and read back by the next run', async () => {
  const store = await StateStore.open(dir.path);
  store.data.region_id = 'rg_1';
  store.ensureCluster('cl_1').applied_generation = 4;
  // Many commits at once coalesce; each resolves with its change on disk.
  await Promise.all([store.commit(), store.commit(), store.commit()]);
  expect((await stat(store.path)).mode & 0o777).toBe(0o600);
  expect(await readdir(dir.path)).toEqual(['state.json']);
  const reopened = await StateStore.open(dir.path);
  expect(reopened.data.region_id).toBe('rg_1');
  expect(reopened.cluster('cl_1')?.applied_generation).toBe(4);
});

test('a state file that does not parse is an error, never silently reset', async () => {
  await writeFile(join(dir.path, 'state.json'), JSON.stringify({ version: 1, clusters: 'nope' }));
  await expect(StateStore.open(dir.path)).rejects.toThrow(/not a valid agent state file/);
  expect(JSON.parse(await readFile(join(dir.path, 'state.json'), 'utf8'))).toMatchObject({ clusters: 'nope' });
});
