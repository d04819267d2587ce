// The agent's object store: where backups go, straight from the data plane (their bytes never pass through the
// control plane). Any S3-compatible store: S3 or R2 in production, the embedded server of `npm start` locally.
//
// Every object carries the SHA-256 of its bytes, and `get` verifies it as the bytes pass:
//   - a Buffer's hash is known before the upload starts, so it travels as the object's metadata (x-amz-meta-sha256);
//   - a stream's hash is known only at its end, when the object (multipart, parts already sent) can no longer take
//     metadata. A small manifest object `<key>.sha256.json` then records { sha256, size, etag }. Copying the object
//     onto itself with new metadata would avoid it, but one CopyObject stops at 5 GB (S3) and a base backup may be
//     larger. The manifest names the ETag of the object it vouches for, so a stale one (left by an earlier upload
//     of the same key) is refused rather than trusted; an object without either cannot be read, which is what an
//     upload cut short between its data and its manifest deserves. `list` hides manifests and `delete` takes them
//     with their objects.
//
// The client sends no flexible checksums of its own (`requestChecksumCalculation: 'WHEN_REQUIRED'`): by default
// the SDK streams bodies aws-chunked with a CRC32 trailer, which S3-compatible stores and emulators do not all
// understand (some store the framing as data, some reject the request). Integrity is the SHA-256 above, end to end.
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

export const DEFAULT_BUCKET = 'orochi-backups';
export const DEFAULT_REGION = 'us-east-1';
export const serverSideEncryptions = ['AES256', 'aws:kms', 'off'] as const;
export type ServerSideEncryption = (typeof serverSideEncryptions)[number];

/** Where the region's backups live. Parsed from OROCHI_S3_* by `parseObjectStoreEnvironment`. */
export interface ObjectStoreConfig {
  /** http(s) URL of the S3 API, e.g. https://<account>.r2.cloudflarestorage.com; never holds credentials. */
  endpoint: string;
  bucket: string;
  region: string;
  /** Static credentials; both null means the SDK's own chain (AWS_* variables, web identity, instance role). */
  accessKeyId: string | null;
  secretAccessKey: string | null;
  /** Bucket in the path (http://host/bucket/key) rather than the host name. */
  forcePathStyle: boolean;
  /** What server-side encryption to ask for; `off` for stores that refuse the header (R2 encrypts everything itself). */
  sse: ServerSideEncryption;
  /** Prepended to every key: '' or ending in '/'. */
  prefix: string;
}

/**
 * The object store settings in `env` under `<prefix>ENDPOINT`, `<prefix>BUCKET` ...; null when no endpoint is set,
 * which means backups are not configured. Throws an Error naming the variable for a malformed value.
 */
export function parseObjectStoreEnvironment(env: NodeJS.ProcessEnv, prefix = 'OROCHI_S3_'): ObjectStoreConfig | null {
  const read = (name: string): string | undefined => {
    const value = env[`${prefix}${name}`]?.trim();
    return value ? value : undefined;
  };
  const endpoint = read('ENDPOINT');
  if (!endpoint) return null;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`${prefix}ENDPOINT must be an http(s) URL, not ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${prefix}ENDPOINT must be an http(s) URL, not ${url.protocol}`);
  // Credentials in the URL would end up in every log line and error that names the store.
  if (url.username || url.password) throw new Error(`${prefix}ENDPOINT must not hold credentials: use ${prefix}ACCESS_KEY_ID and ${prefix}SECRET_ACCESS_KEY`);
  const bucket = read('BUCKET') ?? DEFAULT_BUCKET;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`${prefix}BUCKET ${JSON.stringify(bucket)} is not a valid bucket name`);
  const accessKeyId = read('ACCESS_KEY_ID') ?? null;
  const secretAccessKey = read('SECRET_ACCESS_KEY') ?? null;
  if ((accessKeyId === null) !== (secretAccessKey === null)) {
    throw new Error(`${prefix}ACCESS_KEY_ID and ${prefix}SECRET_ACCESS_KEY go together: set both, or neither to use the SDK's credential chain`);
  }
  const pathStyle = read('FORCE_PATH_STYLE') ?? 'true';
  if (pathStyle !== 'true' && pathStyle !== 'false') throw new Error(`${prefix}FORCE_PATH_STYLE must be true or false, not ${JSON.stringify(pathStyle)}`);
  const sse = read('SSE') ?? 'AES256';
  if (!(serverSideEncryptions as readonly string[]).includes(sse)) {
    throw new Error(`${prefix}SSE must be one of ${serverSideEncryptions.join(', ')}, not ${JSON.stringify(sse)}`);
  }
  const keyPrefix = (read('PREFIX') ?? '').replace(/^\/+/, '');
  return {
    endpoint: url.href.replace(/\/$/, ''),
    bucket,
    region: read('REGION') ?? DEFAULT_REGION,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: pathStyle === 'true',
    sse: sse as ServerSideEncryption,
    prefix: keyPrefix && !keyPrefix.endsWith('/') ? `${keyPrefix}/` : keyPrefix,
  };
}

/** The inverse of `parseObjectStoreEnvironment`: what to put in a process's environment (never on its argv). */
export function objectStoreEnvironment(config: ObjectStoreConfig, prefix = 'OROCHI_S3_'): Record<string, string> {
  return {
    [`${prefix}ENDPOINT`]: config.endpoint,
    [`${prefix}BUCKET`]: config.bucket,
    [`${prefix}REGION`]: config.region,
    [`${prefix}ACCESS_KEY_ID`]: config.accessKeyId ?? '',
    [`${prefix}SECRET_ACCESS_KEY`]: config.secretAccessKey ?? '',
    [`${prefix}FORCE_PATH_STYLE`]: String(config.forcePathStyle),
    [`${prefix}SSE`]: config.sse,
    [`${prefix}PREFIX`]: config.prefix,
  };
}

/** The store as people read it, without credentials: `s3://bucket/prefix at https://endpoint`. */
export function describeObjectStore(config: Pick<ObjectStoreConfig, 'endpoint' | 'bucket' | 'prefix'>): string {
  return `s3://${config.bucket}${config.prefix ? `/${config.prefix}` : ''} at ${config.endpoint}`;
}

export type ObjectStoreErrorCode =
  /** No such object. */
  | 'not_found'
  /** The bytes read are not the bytes written: their SHA-256 or their length differs from the recorded one. */
  | 'checksum_mismatch'
  /** The object has no recorded checksum, or one recorded for another version of it. */
  | 'missing_checksum'
  /** The store did not answer: refused, unreachable, timed out. Worth retrying later. */
  | 'unavailable'
  /** The store answered with an error (denied, bad request, not implemented ...). */
  | 'failed';

/** An object store failure, naming the store, the operation and the key (never the credentials). */
export class ObjectStoreError extends Error {
  override readonly name = 'ObjectStoreError';
  constructor(
    readonly code: ObjectStoreErrorCode,
    readonly store: string,
    readonly operation: string,
    readonly key: string | null,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`object store ${store}: ${operation}${key === null ? '' : ` ${key}`}: ${reason}`, options);
  }
}

export interface ObjectStoreOptions {
  /** Bodies up to this size go in one PutObject, larger ones in parts of this size. Default 8 MiB (S3's minimum is 5). */
  partSizeBytes?: number;
  /** Parts in flight at once; memory held is about partSizeBytes × this. Default 4. */
  queueSize?: number;
  /** TCP connect timeout. Default 5 s. */
  connectionTimeoutMs?: number;
  /** A request whose connection stays silent this long fails (uploads and downloads of any length keep it busy). Default 30 s. */
  idleTimeoutMs?: number;
  /** Attempts per request, retries of transient failures included. Default 3. */
  maxAttempts?: number;
}

export interface PutResult {
  key: string;
  size: number;
  sha256: string;
  etag: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  lastModified: Date | null;
  /** The recorded SHA-256 of the bytes; null when none is recorded for this version of the object. */
  sha256: string | null;
  /** The caller's metadata given to `put`. */
  meta: Record<string, string>;
}

export interface ObjectSummary {
  key: string;
  size: number;
  etag: string;
  lastModified: Date | null;
}

export interface ObjectReadStream {
  /**
   * The bytes, verified as they pass: the stream errors with `checksum_mismatch` at its end when they are not
   * what was written. Bytes flow before that verdict, so a reader treats what it made of them as good only once
   * the stream has ended without error.
   */
  body: Readable;
  size: number;
  sha256: string;
  meta: Record<string, string>;
}

const MANIFEST_SUFFIX = '.sha256.json';
const SHA256_META = 'sha256';
/** DeleteObjects takes at most this many keys (S3 and R2 alike). */
const DELETE_BATCH = 1000;
const MIB = 1024 * 1024;
/** S3 multipart uploads have at most this many parts. */
const MAX_PARTS = 10_000;

/** Network-level failures: the store did not answer, as opposed to answering no. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'TimeoutError', 'RequestTimeout']);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export class ObjectStore {
  readonly config: ObjectStoreConfig;
  /** The store as error messages and logs name it. */
  readonly description: string;
  private readonly client: S3Client;
  private readonly partSizeBytes: number;
  private readonly queueSize: number;

  constructor(config: ObjectStoreConfig, options: ObjectStoreOptions = {}) {
    this.config = config;
    this.description = describeObjectStore(config);
    this.partSizeBytes = options.partSizeBytes ?? 8 * MIB;
    if (this.partSizeBytes < 5 * MIB) throw new Error('partSizeBytes must be at least 5 MiB (the S3 minimum part size)');
    this.queueSize = options.queueSize ?? 4;
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.accessKeyId && config.secretAccessKey
        ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
        : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 3,
      // An idle limit rather than the SDK's requestTimeout, which bounds a whole request (a multi-GB download too).
      requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? 5_000, socketTimeout: options.idleTimeoutMs ?? 30_000 },
    });
  }

  /**
   * Stores `body` under `key` with its SHA-256, streaming it (in parts when larger than the part size).
   * `meta` is the caller's own metadata (lower-case names; `sha256` is reserved).
   */
  async put(key: string, body: Buffer | Readable, meta: Record<string, string> = {}): Promise<PutResult> {
    this.checkKey('put', key);
    for (const name of Object.keys(meta)) {
      if (name === SHA256_META || !/^[a-z0-9-]+$/.test(name)) {
        throw new ObjectStoreError('failed', this.description, 'put', key, `metadata name ${JSON.stringify(name)} is reserved or not lower-case letters, digits and dashes`);
      }
    }
    if (Buffer.isBuffer(body)) {
      const sha256 = createHash('sha256').update(body).digest('hex');
      const etag = await this.upload('put', key, body, { ...meta, [SHA256_META]: sha256 }, body.length);
      return { key, size: body.length, sha256, etag };
    }
    const hash = createHash('sha256');
    let size = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    // A failing source fails the upload (which then aborts its parts); a failing upload stops reading the source.
    body.once('error', (error) => hashing.destroy(error));
    body.pipe(hashing);
    let etag: string;
    try {
      etag = await this.upload('put', key, hashing, meta, null);
    } catch (error) {
      body.unpipe(hashing);
      body.destroy();
      hashing.destroy();
      throw error;
    }
    const sha256 = hash.digest('hex');
    const manifest = JSON.stringify({ sha256, size, etag });
    await this.upload('put manifest of', key, Buffer.from(manifest), {}, manifest.length, `${key}${MANIFEST_SUFFIX}`);
    return { key, size, sha256, etag };
  }

  /** The object's bytes as a stream that verifies their SHA-256 at its end. */
  async get(key: string): Promise<ObjectReadStream> {
    this.checkKey('get', key);
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.fullKey(key) }));
    } catch (error) {
      throw this.failure('get', key, error);
    }
    const source = response.Body as Readable;
    const { meta, sha256 } = this.splitMetadata(response.Metadata);
    const expected = sha256
      ? { sha256, size: null }
      : await this.manifestOf(key, response.ETag ?? '').catch((error: unknown) => {
          source.destroy();
          throw error;
        });
    if (expected === null) {
      source.destroy();
      throw new ObjectStoreError('missing_checksum', this.description, 'get', key, 'the object has no recorded SHA-256 (an upload cut short before its manifest?)');
    }
    const size = response.ContentLength ?? expected.size ?? 0;
    const hash = createHash('sha256');
    let read = 0;
    const fail = (reason: string) => new ObjectStoreError('checksum_mismatch', this.description, 'get', key, reason);
    const verifying = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        hash.update(chunk);
        read += chunk.length;
        callback(null, chunk);
      },
      flush(callback: TransformCallback) {
        const actual = hash.digest('hex');
        if (expected.size !== null && read !== expected.size) return callback(fail(`read ${read} bytes, ${expected.size} were written`));
        if (actual !== expected.sha256) return callback(fail(`SHA-256 ${actual} of the bytes read is not the recorded ${expected.sha256}`));
        callback();
      },
    });
    source.once('error', (error) => verifying.destroy(this.failure('get', key, error)));
    // A reader that stops early releases the connection.
    verifying.once('close', () => source.destroy());
    source.pipe(verifying);
    return { body: verifying, size, sha256: expected.sha256, meta };
  }

  /** The object's size, ETag, recorded SHA-256 and metadata; null when there is no such object. */
  async head(key: string): Promise<ObjectInfo | null> {
    this.checkKey('head', key);
    let response;
    try {
      response = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.fullKey(key) }));
    } catch (error) {
      const failure = this.failure('head', key, error);
      if (failure.code === 'not_found') return null;
      throw failure;
    }
    const { meta, sha256 } = this.splitMetadata(response.Metadata);
    const etag = response.ETag ?? '';
    return {
      key,
      size: response.ContentLength ?? 0,
      etag,
      lastModified: response.LastModified ?? null,
      sha256: sha256 ?? (await this.manifestOf(key, etag))?.sha256 ?? null,
      meta,
    };
  }

  /** Every object whose key starts with `prefix`, across all pages, in key order; manifests left out. */
  async list(prefix = ''): Promise<ObjectSummary[]> {
    const objects: ObjectSummary[] = [];
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.fullKey(prefix), ContinuationToken: continuationToken }),
        );
      } catch (error) {
        throw this.failure('list', prefix, error);
      }
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith(MANIFEST_SUFFIX)) continue;
        objects.push({
          key: object.Key.slice(this.config.prefix.length),
          size: object.Size ?? 0,
          etag: object.ETag ?? '',
          lastModified: object.LastModified ?? null,
        });
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return objects;
  }

  /** Deletes the objects (and their manifests), a thousand keys a request. Keys already gone are no error. */
  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.checkKey('delete', key);
    const all = keys.flatMap((key) => [key, `${key}${MANIFEST_SUFFIX}`]);
    for (let start = 0; start < all.length; start += DELETE_BATCH) {
      const batch = all.slice(start, start + DELETE_BATCH);
      let response;
      try {
        response = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.config.bucket,
            Delete: { Objects: batch.map((key) => ({ Key: this.fullKey(key) })), Quiet: true },
          }),
        );
      } catch (error) {
        throw this.failure('delete', batch[0]!, error);
      }
      const errors = response.Errors ?? [];
      if (errors.length > 0) {
        const first = errors[0]!;
        const key = first.Key?.slice(this.config.prefix.length) ?? batch[0]!;
        throw new ObjectStoreError('failed', this.description, 'delete', key, `${first.Code ?? 'error'}: ${first.Message ?? ''}${errors.length > 1 ? ` (and ${errors.length - 1} more keys)` : ''}`);
      }
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  private fullKey(key: string): string {
    return `${this.config.prefix}${key}`;
  }

  private checkKey(operation: string, key: string): void {
    if (!key) throw new ObjectStoreError('failed', this.description, operation, key, 'the key is empty');
    if (key.endsWith(MANIFEST_SUFFIX)) throw new ObjectStoreError('failed', this.description, operation, key, `keys ending in ${MANIFEST_SUFFIX} are the store's own`);
  }

  /** One object: one PutObject up to the part size, a multipart upload (aborted on failure) beyond it. */
  private async upload(operation: string, key: string, body: Buffer | Readable, metadata: Record<string, string>, size: number | null, storedKey = key): Promise<string> {
    const params: PutObjectCommandInput = {
      Bucket: this.config.bucket,
      Key: this.fullKey(storedKey),
      Body: body,
      Metadata: metadata,
      ...(this.config.sse === 'off' ? {} : { ServerSideEncryption: this.config.sse }),
    };
    try {
      // A known size larger than the parts allow takes larger parts; a stream's size is unknown, and 10,000 parts
      // of the default 8 MiB hold 78 GiB.
      const partSize = size === null ? this.partSizeBytes : Math.max(this.partSizeBytes, Math.ceil(size / MAX_PARTS));
      if (size !== null && size <= partSize) {
        const response = await this.client.send(new PutObjectCommand({ ...params, ContentLength: size }));
        return response.ETag ?? '';
      }
      const upload = new Upload({ client: this.client, params, partSize, queueSize: this.queueSize, leavePartsOnError: false });
      const response = await upload.done();
      return response.ETag ?? '';
    } catch (error) {
      throw this.failure(operation, key, error);
    }
  }

  /** The manifest recorded for the version of `key` whose ETag is `etag`; null when there is none (or it is stale). */
  private async manifestOf(key: string, etag: string): Promise<{ sha256: string; size: number | null } | null> {
    let text: string;
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.fullKey(`${key}${MANIFEST_SUFFIX}`) }));
      text = (await response.Body?.transformToString()) ?? '';
    } catch (error) {
      const failure = this.failure('read the manifest of', key, error);
      if (failure.code === 'not_found') return null;
      throw failure;
    }
    let manifest: { sha256?: unknown; size?: unknown; etag?: unknown };
    try {
      manifest = JSON.parse(text) as typeof manifest;
    } catch {
      return null;
    }
    if (typeof manifest.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(manifest.sha256) || manifest.etag !== etag) return null;
    return { sha256: manifest.sha256, size: typeof manifest.size === 'number' ? manifest.size : null };
  }

  /** The caller's metadata apart from the recorded SHA-256 (null when absent or not a SHA-256). */
  private splitMetadata(metadata: Record<string, string> | undefined): { meta: Record<string, string>; sha256: string | null } {
    const { [SHA256_META]: sha256, ...meta } = metadata ?? {};
    return { meta, sha256: sha256 && /^[0-9a-f]{64}$/.test(sha256) ? sha256 : null };
  }

  private failure(operation: string, key: string, error: unknown): ObjectStoreError {
    if (error instanceof ObjectStoreError) return error;
    const sdk = (error ?? {}) as SdkError;
    const status = sdk.$metadata?.httpStatusCode;
    const name = sdk.name ?? '';
    const code: ObjectStoreErrorCode =
      name === 'NoSuchKey' || name === 'NotFound' || status === 404
        ? 'not_found'
        : UNAVAILABLE_CODES.has(sdk.code ?? '') || UNAVAILABLE_CODES.has(name)
          ? 'unavailable'
          : 'failed';
    // Node's connection errors can carry an empty message (an AggregateError of one attempt per address).
    let reason = sdk.message || sdk.code || name || String(error);
    if (code === 'not_found') reason = 'no such object';
    else if (code === 'unavailable') reason = `the store did not answer (${reason})`;
    else if (status) reason = `${name || 'error'} (HTTP ${status}): ${sdk.message ?? ''}`.replace(/: $/, '');
    if (name === 'NotImplemented' && this.config.sse !== 'off') reason += '; if the store refuses server-side encryption headers (R2 does), set OROCHI_S3_SSE=off';
    return new ObjectStoreError(code, this.description, operation, key, reason, { cause: error });
  }
}

/** What the agent says when asked for a backup it has nowhere to put. */
export const BACKUPS_NOT_CONFIGURED = 'backups are not configured in this region: OROCHI_S3_ENDPOINT is not set';
