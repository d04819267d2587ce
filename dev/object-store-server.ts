// The embedded S3-compatible server of the local stack, as its own process (dev/object-store.ts starts it):
// fauxqs's S3 API on 127.0.0.1, objects as plain files under --data-dir, the bucket created at start.
//
// Its own process because fauxqs holds each request body, and a completed multipart object, in memory and writes
// files synchronously: in the stack's process a large backup would stall the embedded catalog that lives there.
// Loopback only: fauxqs's own startFauxqs listens on every interface and checks no credentials, so this assembles
// the same pieces (its public buildApp, its S3 store with file persistence) and listens on 127.0.0.1 itself.
// Those two modules are not in fauxqs's exports, hence the pinned version in package.json.
//
// Prints one line of JSON, {"port": N}, once it listens; stops on SIGTERM, SIGINT or the end of stdin.
import { parseArgs } from 'node:util';
import { buildApp } from 'fauxqs';

type Stores = NonNullable<NonNullable<Parameters<typeof buildApp>[0]>['stores']>;
type S3Store = Stores['s3Store'];
type FileS3Persistence = NonNullable<S3Store['persistence']>;

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string', default: '0' },
    bucket: { type: 'string' },
  },
  strict: true,
});
const dataDir = values['data-dir'];
const bucket = values.bucket;
if (!dataDir || !bucket) {
  process.stderr.write('usage: object-store-server.ts --data-dir <dir> --bucket <name> [--port <port>]\n');
  process.exit(2);
}

const entry = import.meta.resolve('fauxqs');
const internal = async <T>(path: string, name: string): Promise<T> =>
  ((await import(new URL(path, entry).href)) as Record<string, T>)[name]!;
const S3StoreClass = await internal<new () => S3Store>('./s3/s3Store.js', 'S3Store');
const SqsStoreClass = await internal<new () => Stores['sqsStore']>('./sqs/sqsStore.js', 'SqsStore');
const SnsStoreClass = await internal<new () => Stores['snsStore']>('./sns/snsStore.js', 'SnsStore');
const PersistenceClass = await internal<new (dir: string) => FileS3Persistence>('./s3/fileS3Persistence.js', 'FileS3Persistence');

const s3Store = new S3StoreClass();
const persistence = new PersistenceClass(dataDir);
// Load what is on disk first, then write through: the order startFauxqs follows.
persistence.loadS3(s3Store);
s3Store.persistence = persistence;
s3Store.createBucket(bucket);

const app = buildApp({ logger: false, stores: { s3Store, sqsStore: new SqsStoreClass(), snsStore: new SnsStoreClass() } });
app.addHook('preClose', () => persistence.close());
await app.listen({ host: '127.0.0.1', port: Number(values.port) });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : Number(values.port) })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  app.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`stopping failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
