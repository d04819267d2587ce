// Full backups on the local driver, into the embedded object store: what lands in the store is the cluster's data
// (a tar with PG_VERSION, and for native PostgreSQL its backup_label and the WAL span), compressed, with its checksum.
import { decompress } from './compression.ts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startObjectStore, type EmbeddedObjectStore } from '../../dev/object-store.ts';
import { LocalDriver } from '../drivers/local/local-driver.ts';
import type { EngineKind } from '../drivers/local/local-engine.ts';
import { findNativeInstallations } from '../drivers/local/native-binaries.ts';
import { clusterSpec, collectingLogger, tempDir } from '../testing/fixtures.ts';
import { baseBackupKey } from './layout.ts';
import { ObjectStore } from './object-store.ts';

const hasNative = (await findNativeInstallations()).length > 0;
let server: EmbeddedObjectStore;
let store: ObjectStore;
let storeDir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  storeDir = await tempDir('backup-store');
  server = await startObjectStore({ dataDir: storeDir.path });
  store = new ObjectStore({ ...server, forcePathStyle: true, sse: 'off', prefix: '' });
}, 60_000);

afterAll(async () => {
  store?.close();
  await server?.stop();
  await storeDir?.remove();
});

async function backupOf(engine: EngineKind) {
  const dir = await tempDir(`backup-${engine}`);
  const driver = new LocalDriver({ dataDir: dir.path, log: collectingLogger(), engine });
  const clusterId = `cl_${engine}_backup`;
  const spec = clusterSpec({ username: 'app', database: 'app' });
  try {
    const created = await driver.apply({ clusterId, spec, password: 'backup-Secret-1', record: null, emit: () => undefined });
    const client = new pg.Client({ host: '127.0.0.1', port: created.observation.endpoint!.port, user: 'app', password: 'backup-Secret-1', database: 'app' });
    await client.connect();
    await client.query("create table kept (note text); insert into kept values ('in the backup')");
    await client.end();
    const outcome = await driver.backup({ clusterId, backupId: 'bk_test', kind: 'manual', spec, record: created.record, sink: store });
    const stored = await store.get(baseBackupKey(clusterId, 'bk_test'));
    const chunks: Buffer[] = [];
    for await (const chunk of stored.body) chunks.push(chunk as Buffer);
    return { outcome, stored, archive: await decompress(Buffer.concat(chunks)) };
  } finally {
    await driver.shutdown();
    await dir.remove();
  }
}

describe.skipIf(!hasNative && process.env.CI !== 'true')('a full backup of a native PostgreSQL cluster', () => {
  it('stores the pg_basebackup tar compressed with its checksum, and the WAL span it covers', async () => {
    const { outcome, stored, archive } = await backupOf('native');
    expect(outcome.sizeBytes).toBe(stored.size);
    expect(outcome.sizeBytes).toBeGreaterThan(0);
    expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.meta).toMatchObject({ engine: 'native' });
    expect(outcome.begin.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(outcome.end.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(Date.parse(outcome.end.time)).toBeGreaterThanOrEqual(Date.parse(outcome.begin.time));
    const listing = archive.toString('latin1');
    expect(listing).toContain('PG_VERSION');
    expect(listing).toContain('backup_label');
  }, 120_000);
});

describe('a full backup of a PGlite cluster', () => {
  it('stores its data directory as a compressed tar with its checksum', async () => {
    const { outcome, stored, archive } = await backupOf('pglite');
    expect(outcome.sizeBytes).toBe(stored.size);
    expect(outcome.begin.lsn).toBeNull();
    expect(archive.toString('latin1')).toContain('PG_VERSION');
  }, 120_000);
});

it('a store that is down fails the backup with an error naming the store', async () => {
  const down = new ObjectStore({ ...server, endpoint: 'http://127.0.0.1:1', forcePathStyle: true, sse: 'off', prefix: '' }, { maxAttempts: 1, connectionTimeoutMs: 1000 });
  await expect(down.put('k', Buffer.from('x'))).rejects.toThrow(/127\.0\.0\.1:1/);
  down.close();
});
