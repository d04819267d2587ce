// The WAL archiver of local clusters. Each server's `archive_command` hands every finished WAL segment (and timeline
// history file) to the agent over a Unix socket, and its `restore_command` asks for them back, both with curl:
//
//   archive_command = 'curl -sSf --unix-socket <sock> -T %p http://agent/wal/<cluster>/%f'
//   restore_command = 'curl -sSf --unix-socket <sock> -o %p http://agent/wal/<source>/%f'
//
// The agent compresses each file into the region's object store with its SHA-256 (`clusters/<id>/wal/<name>.zst`) and
// answers only once the store has it, so curl exits non-zero on any failure and PostgreSQL keeps the segment and
// retries, as its archiving contract asks. Restores get the bytes only after their checksum was verified, and a
// file the archive does not have is a 404, which PostgreSQL reads as the end of the archive.
//
// Going through the agent keeps the store's credentials out of the servers' configuration and processes: the socket
// lives in a directory only the servers' OS user (and the agent) can enter.
import { once } from 'node:events';
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { errorMessage, type Logger } from '../log.ts';
import { isArchiveFileName } from './wal-history.ts';
import { compress, decompress } from './compression.ts';
import { walKey } from './layout.ts';


/** The part of the object store the archiver uses. */
export interface WalStore {
  put(key: string, body: Buffer, meta: Record<string, string>): Promise<{ size: number }>;
  get(key: string): Promise<{ body: Readable }>;
}

export interface WalArchiveOptions {
  store: WalStore;
  /** Where the socket's directory goes (the agent's data directory; the temp dir when that path is too long for a socket). */
  dataDir: string;
  log: Logger;
  /** As root, the servers' OS user, who must reach the socket; null when the servers run as the agent's own user. */
  owner: { uid: number; gid: number } | null;
  /** Called once a file is safely in the store. */
  onArchived?(clusterId: string, name: string): void;
}

// A segment is 16 MiB; history and backup label files are small. Anything larger is not WAL.
const BODY_LIMIT = 64 * 1024 * 1024;
const SOCKET_PATH_LIMIT = 100;
const CLUSTER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export class WalArchive {
  private constructor(
    readonly socketPath: string,
    private readonly server: Server,
    private readonly options: WalArchiveOptions,
  ) {}

  static async start(options: WalArchiveOptions): Promise<WalArchive> {
    let dir = join(options.dataDir, 'run');
    if (join(dir, 'wal.sock').length > SOCKET_PATH_LIMIT) {
      dir = join(tmpdir(), `orochi-wal-${createHash('sha256').update(options.dataDir).digest('hex').slice(0, 16)}`);
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const socketPath = join(dir, 'wal.sock');
    await rm(socketPath, { force: true });
    let archive: WalArchive | null = null;
    const server = createServer((request, response) => {
      void archive?.handle(request, response);
    });
    server.listen(socketPath);
    await once(server, 'listening');
    // Only the servers' OS user may connect (and root, which the agent then is).
    await chmod(socketPath, 0o600);
    if (options.owner) {
      await chown(dir, options.owner.uid, options.owner.gid);
      await chown(socketPath, options.owner.uid, options.owner.gid);
    }
    archive = new WalArchive(socketPath, server, options);
    return archive;
  }

  /** The archive_command of a cluster's server: it archives into the cluster's own place, never another's. */
  archiveCommand(clusterId: string): string {
    return `curl -sSf --max-time 600 --unix-socket ${shellQuote(this.socketPath)} -T %p http://agent/wal/${checkedId(clusterId)}/%f`;
  }

  /** The restore_command of a server recovering from `sourceClusterId`'s archive. */
  restoreCommand(sourceClusterId: string): string {
    return `curl -sSf --max-time 600 --unix-socket ${shellQuote(this.socketPath)} -o %p http://agent/wal/${checkedId(sourceClusterId)}/%f`;
  }

  async close(): Promise<void> {
    this.server.close();
    this.server.closeAllConnections();
    await rm(this.socketPath, { force: true });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = /^\/wal\/([^/]+)\/([^/]+)$/.exec(request.url ?? '');
    const clusterId = match?.[1] ?? '';
    const name = match?.[2] ?? '';
    if (!match || !CLUSTER_ID.test(clusterId) || !isArchiveFileName(name)) return answer(response, 400, 'not a WAL file of a cluster');
    const log = this.options.log.child({ cluster_id: clusterId, wal: name });
    try {
      if (request.method === 'PUT') {
        const body = await readBody(request);
        const compressed = await compress(body);
        await this.options.store.put(walKey(clusterId, name), compressed, { 'original-size': String(body.length) });
        this.options.onArchived?.(clusterId, name);
        return answer(response, 204, '');
      }
      if (request.method === 'GET') {
        let stored: { body: Readable };
        try {
          stored = await this.options.store.get(walKey(clusterId, name));
        } catch (error) {
          if ((error as { code?: string }).code === 'not_found') return answer(response, 404, 'not in the archive');
          throw error;
        }
        // Whole and verified before a byte goes out: PostgreSQL must never replay a segment that fails its checksum.
        const bytes = await decompress(await buffer(stored.body));
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
        response.end(bytes);
        return;
      }
      return answer(response, 405, 'PUT or GET');
    } catch (error) {
      log.warn(request.method === 'PUT' ? 'archiving WAL failed; the server retries' : 'fetching WAL for a restore failed', { error: errorMessage(error) });
      return answer(response, 503, errorMessage(error));
    }
  }
}

function checkedId(clusterId: string): string {
  if (!CLUSTER_ID.test(clusterId)) throw new Error(`refusing cluster id ${JSON.stringify(clusterId)}: not a plain name`);
  return clusterId;
}

/** Single-quoted for the shell that runs archive_command; postgresql.conf quoting is the caller's. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new Error(`a WAL file larger than ${BODY_LIMIT} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function answer(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain' });
  response.end(text ? `${text}\n` : undefined);
}
