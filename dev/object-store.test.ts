// The local stack's object store: the embedded server listens on loopback only, keeps its objects across restarts
// under its data directory, and the S3_* settings of a real store reach the agent as the OROCHI_S3_* it parses.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, expect, test } from 'vitest';
import { ObjectStore, objectStoreEnvironment, parseObjectStoreEnvironment } from '../agent/backup/object-store.ts';
import { externalObjectStore, startObjectStore, startStackObjectStore } from './object-store.ts';

let dataDir = '';
afterEach(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Whether something accepts TCP connections at host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

test('the embedded server listens on 127.0.0.1 only, creates its bucket, and keeps objects across restarts', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-s3-'));
  const running = await startStackObjectStore('embedded', { dataDir });
  expect(running.config).toMatchObject({ bucket: 'orochi-backups', forcePathStyle: true, sse: 'off', prefix: '', embedded: true });
  const { port } = new URL(running.config.endpoint);
  expect(running.config.endpoint).toBe(`http://127.0.0.1:${port}`);
  const outside = Object.values(networkInterfaces()).flat().find((address) => address && !address.internal && address.family === 'IPv4');
  if (outside) expect(await accepts(outside.address, Number(port))).toBe(false);

  let store = new ObjectStore(running.config);
  await store.put('kept', Buffer.from('across restarts'));
  store.close();
  await running.stop();
  expect(await accepts('127.0.0.1', Number(port))).toBe(false);

  // Again on the same directory and, this time, a fixed port.
  const again = await startObjectStore({ dataDir, port: Number(port) });
  try {
    expect(again.endpoint).toBe(`http://127.0.0.1:${port}`);
    store = new ObjectStore({ ...running.config, endpoint: again.endpoint });
    expect((await buffer((await store.get('kept')).body)).toString()).toBe('across restarts');
    store.close();
  } finally {
    await again.stop();
  }
});

test('a port already taken fails the start with the server\'s own words', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-s3-'));
  const first = await startObjectStore({ dataDir: join(dataDir, 'a') });
  try {
    await expect(startObjectStore({ dataDir: join(dataDir, 'b'), port: Number(new URL(first.endpoint).port) })).rejects.toThrow(
      /the embedded object store exited .* before listening: .*EADDRINUSE/s,
    );
  } finally {
    await first.stop();
  }
});

test('S3_* name a real store, which reaches the agent as OROCHI_S3_*', () => {
  expect(externalObjectStore({})).toBeNull();
  const real = externalObjectStore({
    S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com',
    S3_BUCKET: 'orochi-prod-backups',
    S3_REGION: 'auto',
    S3_ACCESS_KEY_ID: 'key-id',
    S3_SECRET_ACCESS_KEY: 'secret',
    S3_SSE: 'off',
    S3_PREFIX: 'eu-1',
  })!;
  expect(real).toMatchObject({ endpoint: 'https://acct.r2.cloudflarestorage.com', bucket: 'orochi-prod-backups', region: 'auto', sse: 'off', prefix: 'eu-1/', embedded: false });
  const { embedded: _, ...config } = real;
  expect(parseObjectStoreEnvironment(objectStoreEnvironment(real))).toEqual(config);
  expect(() => externalObjectStore({ S3_ENDPOINT: 'https://s3', S3_FORCE_PATH_STYLE: 'yes' })).toThrow(/S3_FORCE_PATH_STYLE/);
});
