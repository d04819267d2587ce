// The object store client against the real embedded S3-compatible server (dev/object-store.ts): exact round trips,
// in one request and in parts, checksums that catch tampering, listing across pages, batched deletes, and a store
// that is down or silent failing clearly and in bounded time.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startObjectStore, type EmbeddedObjectStore } from '../../dev/object-store.ts';
import {
  ObjectStore,
  ObjectStoreError,
  objectStoreEnvironment,
  parseObjectStoreEnvironment,
  type ObjectStoreConfig,
  type ObjectStoreOptions,
} from './object-store.ts';

const MIB = 1024 * 1024;
let server: EmbeddedObjectStore;
let dataDir: string;
const stores: ObjectStore[] = [];

beforeAll(async () => {
  dataDir = join(tmpdir(), `orochi-s3-${process.pid}-${Date.now()}`);
  server = await startObjectStore({ dataDir });
}, 60_000);

afterAll(async () => {
  for (const store of stores) store.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function config(overrides: Partial<ObjectStoreConfig> = {}): ObjectStoreConfig {
  return {
    endpoint: server.endpoint,
    bucket: server.bucket,
    region: server.region,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    forcePathStyle: true,
    // What production asks for: the embedded server takes the header (and stores plain files all the same).
    sse: 'AES256',
    prefix: '',
    ...overrides,
  };
}

function open(overrides: Partial<ObjectStoreConfig> = {}, options?: ObjectStoreOptions): ObjectStore {
  const store = new ObjectStore(config(overrides), options);
  stores.push(store);
  return store;
}

/** A plain client, to do behind the store's back what another writer (or a broken disk) would. */
function rawClient(): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}

/** Where the embedded server keeps an object's bytes and its metadata. */
function objectFiles(key: string): { data: string; meta: string } {
  const base = join(dataDir, 'buckets', server.bucket, 'objects', ...key.split('/'));
  return { data: `${base}.data`, meta: `${base}.meta.json` };
}

/** A stream of `bytes` in 64 KiB chunks, as a pipe from pg_basebackup would deliver them. */
function streamOf(bytes: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
    })(),
  );
}

async function readAll(store: ObjectStore, key: string): Promise<Buffer> {
  return buffer((await store.get(key)).body);
}

async function failure(promise: Promise<unknown>): Promise<ObjectStoreError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ObjectStoreError);
  return error as ObjectStoreError;
}

describe('round trips', () => {
  test('a small body comes back byte for byte, with its SHA-256 and metadata, and no flexible checksum was sent', async () => {
    const store = open();
    const body = randomBytes(1000);
    const put = await store.put('small/one', body, { cluster: 'cl_1', kind: 'wal' });
    expect(put.size).toBe(1000);
    expect(put.sha256).toMatch(/^[0-9a-f]{64}$/);

    const read = await store.get('small/one');
    expect(read).toMatchObject({ size: 1000, sha256: put.sha256, meta: { cluster: 'cl_1', kind: 'wal' } });
    expect((await buffer(read.body)).equals(body)).toBe(true);
    expect(await store.head('small/one')).toMatchObject({ key: 'small/one', size: 1000, sha256: put.sha256, meta: { cluster: 'cl_1', kind: 'wal' } });

    // The bytes on the server's disk are the body itself (no aws-chunked framing stored as data), and the SDK sent
    // no CRC32 of its own (the server records one when it gets one).
    expect((await readFile(objectFiles('small/one').data)).equals(body)).toBe(true);
    const stored = JSON.parse(await readFile(objectFiles('small/one').meta, 'utf8')) as Record<string, unknown>;
    expect(stored.checksumAlgorithm).toBeUndefined();
    expect(stored.metadata).toMatchObject({ sha256: put.sha256 });
  });

  test('20 MB, as a stream and as a Buffer, go up in parts and come back exact', async () => {
    const store = open();
    const body = randomBytes(20 * MIB);

    const streamed = await store.put('large/streamed', streamOf(body));
    expect(streamed.size).toBe(body.length);
    expect(streamed.etag).toMatch(/-3"$/); // three parts of 8 MiB at most
    expect((await readAll(store, 'large/streamed')).equals(body)).toBe(true);
    expect((await store.head('large/streamed'))?.sha256).toBe(streamed.sha256);

    const buffered = await store.put('large/buffered', body, { kind: 'base' });
    expect(buffered.sha256).toBe(streamed.sha256);
    expect(buffered.etag).toMatch(/-3"$/);
    const read = await store.get('large/buffered');
    expect(read.meta).toEqual({ kind: 'base' });
    expect((await buffer(read.body)).equals(body)).toBe(true);
  }, 60_000);

  test('an empty body round-trips', async () => {
    const store = open();
    await store.put('empty/buffer', Buffer.alloc(0));
    await store.put('empty/stream', Readable.from([]));
    expect((await readAll(store, 'empty/buffer')).length).toBe(0);
    expect((await readAll(store, 'empty/stream')).length).toBe(0);
  });

  test('keys live under the configured prefix and come back relative to it', async () => {
    const store = open({ prefix: 'region-a/' });
    await store.put('cl_1/base', Buffer.from('base backup'));
    expect((await readFile(objectFiles('region-a/cl_1/base').data)).toString()).toBe('base backup');
    expect((await store.list('cl_1/')).map((object) => object.key)).toEqual(['cl_1/base']);
    expect((await readAll(store, 'cl_1/base')).toString()).toBe('base backup');
  });

  test('a source stream that fails fails the put and leaves no object and no parts behind', async () => {
    const store = open();
    const source = Readable.from(
      (async function* () {
        yield randomBytes(10 * MIB);
        throw new Error('pg_basebackup exited with code 1');
      })(),
    );
    const error = await failure(store.put('failed/upload', source));
    expect(error.message).toMatch(/put failed\/upload: .*pg_basebackup exited with code 1/);
    expect(await store.head('failed/upload')).toBeNull();
    expect(await readdir(join(dataDir, '_multipart'))).toEqual([]);
  });
});

describe('checksums', () => {
  test('bytes changed on the server after a streamed upload are caught at the end of the read', async () => {
    const store = open();
    const body = randomBytes(9 * MIB);
    await store.put('tamper/on-disk', streamOf(body));
    const { data } = objectFiles('tamper/on-disk');
    const stored = await readFile(data);
    stored[4 * MIB] = stored[4 * MIB]! ^ 0xff;
    await writeFile(data, stored);

    const error = await failure(readAll(store, 'tamper/on-disk'));
    expect(error.code).toBe('checksum_mismatch');
    expect(error.message).toContain(`s3://${server.bucket} at ${server.endpoint}`);
    expect(error.message).toMatch(/get tamper\/on-disk: SHA-256 [0-9a-f]{64} of the bytes read is not the recorded/);
  });

  test('another body under the old metadata is caught', async () => {
    const store = open();
    const original = await store.put('tamper/overwritten', Buffer.from('the original bytes'));
    const raw = rawClient();
    await raw.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: 'tamper/overwritten', Body: 'other bytes, same size', Metadata: { sha256: original.sha256 } }),
    );
    raw.destroy();
    const error = await failure(readAll(store, 'tamper/overwritten'));
    expect(error.code).toBe('checksum_mismatch');
  });

  test("a streamed object overwritten behind the store's back is refused: its manifest vouches for the old one", async () => {
    const store = open();
    await store.put('tamper/stale-manifest', streamOf(randomBytes(1000)));
    const raw = rawClient();
    await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'tamper/stale-manifest', Body: randomBytes(1000) }));
    raw.destroy();
    const error = await failure(store.get('tamper/stale-manifest'));
    expect(error.code).toBe('missing_checksum');
    expect((await store.head('tamper/stale-manifest'))?.sha256).toBeNull();
  });

  test('the reserved metadata name and manifest keys are refused', async () => {
    const store = open();
    expect((await failure(store.put('k', Buffer.from('x'), { sha256: 'forged' }))).message).toMatch(/reserved/);
    expect((await failure(store.put('k.sha256.json', Buffer.from('x')))).message).toMatch(/the store's own/);
  });
});

describe('listing and deleting', () => {
  test('list reads every page; delete takes a thousand keys a request, manifests included', async () => {
    const store = open();
    // More than one page of ListObjectsV2 (1000 keys) and more than one DeleteObjects batch.
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    for (let at = 0; at < keys.length; at += 50) {
      await Promise.all(keys.slice(at, at + 50).map((key) => store.put(key, Buffer.from(key))));
    }
    await store.put('many/streamed', streamOf(Buffer.from('with a manifest')));

    // The server answers the first ListObjectsV2 with one page of 1000 and a continuation: list must follow it.
    const raw = rawClient();
    const firstPage = await raw.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'many/' }));
    raw.destroy();
    expect(firstPage).toMatchObject({ IsTruncated: true, KeyCount: 1000 });

    const listed = await store.list('many/');
    expect(listed.map((object) => object.key)).toEqual([...keys, 'many/streamed']);
    expect(listed[0]).toMatchObject({ size: 10, etag: expect.stringMatching(/^"/) });

    await store.delete([...keys, 'many/streamed', 'many/never-existed']);
    expect(await store.list('many/')).toEqual([]);
    expect(await readdir(join(dataDir, 'buckets', server.bucket, 'objects', 'many')).catch(() => [])).toEqual([]);
    expect(await store.head('many/00000')).toBeNull();
    expect((await failure(store.get('many/00000'))).code).toBe('not_found');
  }, 120_000);
});

describe('a store that does not answer', () => {
  test('a store that is down fails with its name and the key, quickly, and without credentials', async () => {
    const down = await startObjectStore({ dataDir: join(dataDir, 'down') });
    await down.stop();
    const store = open({ endpoint: down.endpoint, secretAccessKey: 'a-secret-that-must-not-leak' });
    const started = Date.now();
    const error = await failure(store.put('base/backup', Buffer.from('x')));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(new RegExp(`^object store s3://${server.bucket} at ${down.endpoint}: put base/backup: the store did not answer \\(.*ECONNREFUSED`));
    expect(error.message).not.toContain('a-secret-that-must-not-leak');
    expect((await failure(store.get('base/backup'))).code).toBe('unavailable');
    expect((await failure(store.list())).code).toBe('unavailable');
  });

  test('a store that accepts connections and never answers times out within the configured bound', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const store = open({ endpoint }, { idleTimeoutMs: 300, maxAttempts: 2 });
      const started = Date.now();
      const error = await failure(store.head('base/backup'));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error.code).toBe('unavailable');
      expect(error.message).toMatch(/head base\/backup: the store did not answer/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('settings', () => {
  test('OROCHI_S3_* with their defaults; no endpoint means backups are not configured', () => {
    expect(parseObjectStoreEnvironment({})).toBeNull();
    expect(parseObjectStoreEnvironment({ OROCHI_S3_ENDPOINT: '  ' })).toBeNull();
    expect(parseObjectStoreEnvironment({ OROCHI_S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com/' })).toEqual({
      endpoint: 'https://acct.r2.cloudflarestorage.com',
      bucket: 'orochi-backups',
      region: 'us-east-1',
      accessKeyId: null,
      secretAccessKey: null,
      forcePathStyle: true,
      sse: 'AES256',
      prefix: '',
    });
    const full = {
      OROCHI_S3_ENDPOINT: 'http://127.0.0.1:9000',
      OROCHI_S3_BUCKET: 'backups-eu',
      OROCHI_S3_REGION: 'auto',
      OROCHI_S3_ACCESS_KEY_ID: 'AKIA',
      OROCHI_S3_SECRET_ACCESS_KEY: 'secret',
      OROCHI_S3_FORCE_PATH_STYLE: 'false',
      OROCHI_S3_SSE: 'off',
      OROCHI_S3_PREFIX: '/region-eu',
    };
    const parsed = parseObjectStoreEnvironment(full)!;
    expect(parsed).toMatchObject({ bucket: 'backups-eu', region: 'auto', forcePathStyle: false, sse: 'off', prefix: 'region-eu/' });
    // What the stack hands the agent parses back to the same settings.
    expect(parseObjectStoreEnvironment(objectStoreEnvironment(parsed))).toEqual(parsed);
    expect(parseObjectStoreEnvironment({ S3_ENDPOINT: 'http://s3.local' }, 'S3_')).toMatchObject({ endpoint: 'http://s3.local' });
  });

  test('malformed settings name the variable', () => {
    const bad = (env: Record<string, string>) => () => parseObjectStoreEnvironment({ OROCHI_S3_ENDPOINT: 'http://s3.local', ...env });
    expect(bad({ OROCHI_S3_ENDPOINT: 'not a url' })).toThrow(/OROCHI_S3_ENDPOINT must be an http\(s\) URL/);
    expect(bad({ OROCHI_S3_ENDPOINT: 'ftp://s3.local' })).toThrow(/OROCHI_S3_ENDPOINT must be an http\(s\) URL/);
    expect(bad({ OROCHI_S3_ENDPOINT: 'https://key:secret@s3.local' })).toThrow(/must not hold credentials/);
    expect(bad({ OROCHI_S3_ACCESS_KEY_ID: 'AKIA' })).toThrow(/go together/);
    expect(bad({ OROCHI_S3_SSE: 'yes' })).toThrow(/OROCHI_S3_SSE must be one of AES256, aws:kms, off/);
    expect(bad({ OROCHI_S3_FORCE_PATH_STYLE: '1' })).toThrow(/OROCHI_S3_FORCE_PATH_STYLE must be true or false/);
    expect(bad({ OROCHI_S3_BUCKET: 'Bad_Bucket' })).toThrow(/not a valid bucket name/);
  });
});
