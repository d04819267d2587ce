// Where the local stack's backups go: the embedded S3-compatible server (fauxqs, run by dev/object-store-server.ts
// as a child process on 127.0.0.1, objects as files under <dataDir>/s3), or a real store named by S3_ENDPOINT and
// friends. Either way the agent gets it as OROCHI_S3_* in its environment (agent/backup/object-store.ts reads them).
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  DEFAULT_BUCKET,
  DEFAULT_REGION,
  parseObjectStoreEnvironment,
  type ObjectStoreConfig,
} from '../agent/backup/object-store.ts';

const root = resolve(import.meta.dirname, '..');
const host = '127.0.0.1';

/**
 * The embedded server accepts any credentials (loopback only, like the embedded catalog); these are what the
 * clients sign with, so the configuration has the shape a real store's has.
 */
const EMBEDDED_ACCESS_KEY_ID = 'orochi-local';
const EMBEDDED_SECRET_ACCESS_KEY = 'orochi-local-secret';

export interface EmbeddedObjectStoreOptions {
  /** Where the objects live (plain files: buckets/<bucket>/objects/<key>.data beside <key>.meta.json). */
  dataDir: string;
  /** 0 (the default) takes a free port. */
  port?: number;
  bucket?: string;
  /** The server's own output (it prints only failures). */
  output?: (line: string) => void;
  /** How long the server may take to listen. Default 30 s. */
  startTimeoutMs?: number;
}

export interface EmbeddedObjectStore {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts the embedded S3-compatible server on 127.0.0.1 with its bucket created; resolves once it listens. */
export async function startObjectStore(options: EmbeddedObjectStoreOptions): Promise<EmbeddedObjectStore> {
  const dataDir = resolve(options.dataDir);
  const bucket = options.bucket ?? DEFAULT_BUCKET;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const child = spawn(
    process.execPath,
    [
      // fauxqs loads node:sqlite (flagged on Node 22.12, experimental after) even when, as here, it is not used.
      '--experimental-sqlite',
      '--disable-warning=ExperimentalWarning',
      '--import', 'tsx', resolve(root, 'dev/object-store-server.ts'),
      '--data-dir', dataDir,
      '--bucket', bucket,
      '--port', String(options.port ?? 0),
    ],
    // Its own process group (a terminal's Ctrl-C reaches the stack, which stops it in order); stdin is a pipe whose
    // end stops it, so it never outlives the stack.
    { cwd: root, detached: true, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const output = options.output ?? (() => undefined);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const line of chunk.toString().split('\n')) if (line.trim()) output(line);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolvePort, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the embedded object store did not start within ${(options.startTimeoutMs ?? 30_000) / 1000}s`));
    }, options.startTimeoutMs ?? 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        clearTimeout(timer);
        try {
          resolvePort((JSON.parse(line) as { port: number }).port);
        } catch {
          child.kill('SIGKILL');
          reject(new Error(`the embedded object store said ${JSON.stringify(line)} instead of its port`));
        }
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the embedded object store exited (${signal ?? `code ${code}`}) before listening: ${stderr.trim() || 'no output'}`));
    });
  });
  return {
    endpoint: `http://${host}:${port}`,
    bucket,
    region: DEFAULT_REGION,
    accessKeyId: EMBEDDED_ACCESS_KEY_ID,
    secretAccessKey: EMBEDDED_SECRET_ACCESS_KEY,
    dataDir,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The settings the agent gets, as the agent parses them, plus where they came from. */
export interface StackObjectStore extends ObjectStoreConfig {
  /** true for the embedded server, false for a store named by S3_ENDPOINT. */
  embedded: boolean;
}

/**
 * The real store named by S3_ENDPOINT, S3_BUCKET, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
 * S3_FORCE_PATH_STYLE, S3_SSE and S3_PREFIX (parsed exactly as the agent parses OROCHI_S3_*); null without
 * S3_ENDPOINT, when the stack runs the embedded server instead.
 */
export function externalObjectStore(env: NodeJS.ProcessEnv): StackObjectStore | null {
  const config = parseObjectStoreEnvironment(env, 'S3_');
  return config ? { ...config, embedded: false } : null;
}

export interface RunningStackObjectStore {
  config: StackObjectStore;
  /** Stops the embedded server; nothing for a real store. */
  stop(): Promise<void>;
}

/** The stack's object store: the embedded server started under `dataDir`, or the real store `choice` names. */
export async function startStackObjectStore(
  choice: 'embedded' | StackObjectStore,
  options: Omit<EmbeddedObjectStoreOptions, 'bucket'>,
): Promise<RunningStackObjectStore> {
  if (choice !== 'embedded') return { config: choice, stop: async () => undefined };
  const store = await startObjectStore(options);
  return { config: embeddedStoreConfig(store), stop: () => store.stop() };
}

/** The settings the agent gets for an embedded server. */
export function embeddedStoreConfig(store: EmbeddedObjectStore): StackObjectStore {
  return {
    endpoint: store.endpoint,
    bucket: store.bucket,
    region: store.region,
    accessKeyId: store.accessKeyId,
    secretAccessKey: store.secretAccessKey,
    forcePathStyle: true,
    // fauxqs takes the header and stores plain files all the same: asking would claim encryption that is not there.
    sse: 'off',
    prefix: '',
    embedded: true,
  };
}
