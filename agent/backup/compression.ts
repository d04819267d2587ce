// How the local driver compresses what it stores: Zstandard at level 1. Backups must keep up with the disk (the
// benchmark holds a base backup to 1.5x a plain pg_basebackup to local disk), and zstd's fast level compresses
// table data about as well as gzip's default at ten times its speed. Node has it built in from 22.15.
import type { Transform } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/** The suffix of every object compressed this way. */
export const COMPRESSED_SUFFIX = '.zst';

const LEVEL = 1;

function required(): void {
  if (typeof zlib.createZstdCompress !== 'function') {
    throw new Error(`backups need Node.js >= 22.15 (Zstandard in node:zlib); this is ${process.version}`);
  }
}

export function compressStream(): Transform {
  required();
  return zlib.createZstdCompress({ params: { [zlib.constants.ZSTD_c_compressionLevel]: LEVEL } });
}

export function decompressStream(): Transform {
  required();
  return zlib.createZstdDecompress();
}

export async function compress(bytes: Buffer): Promise<Buffer> {
  required();
  return promisify(zlib.zstdCompress)(bytes, { params: { [zlib.constants.ZSTD_c_compressionLevel]: LEVEL } });
}

export async function decompress(bytes: Buffer): Promise<Buffer> {
  required();
  return promisify(zlib.zstdDecompress)(bytes);
}
