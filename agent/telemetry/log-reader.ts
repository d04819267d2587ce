// A server's log directory (jsonlog files named so they sort by age, `postgresql-YYYYMMDD-HHMMSS.json`): its newest
// lines read backwards within a bound, and the old files removed so a cluster's log never grows past a bound.
import { open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OBSERVABILITY_LIMITS, type LogEntry } from '../../protocol/observability.ts';
import { parseJsonLogLine } from './log-parse.ts';

/** What a history read reads at most, newest first: the protocol's window of lines, and this many bytes. */
export const HISTORY_MAX_BYTES = 16 * 1024 * 1024;
/** Kept per cluster: files younger than this, while their total stays under LOG_MAX_TOTAL_BYTES. */
export const LOG_MAX_AGE_MS = 7 * 24 * 3600_000;
export const LOG_MAX_TOTAL_BYTES = 50 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const OUT_OF_ORDER_MS = 1000;

/** The server's log files in `dir` (its .json and the stderr .log the collector also keeps), oldest first; none when the directory is not there. */
export async function logFiles(dir: string, extension: '.json' | '.log' | 'all' = '.json'): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.startsWith('postgresql-') && (extension === 'all' ? /\.(json|log)$/.test(name) : name.endsWith(extension)))
    .sort()
    .map((name) => join(dir, name));
}

/** The complete lines of a file, newest first, reading it backwards in chunks; stops when the caller stops. */
async function* linesBackwards(path: string, maxBytes: number): AsyncGenerator<string> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!handle) return;
  try {
    let position = (await handle.stat()).size;
    const floor = Math.max(0, position - maxBytes);
    let rest = Buffer.alloc(0);
    // A last line without its newline is still being written: it is left for the next read.
    let skipPartial = true;
    while (position > floor) {
      const length = Math.min(CHUNK_BYTES, position - floor);
      position -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      const buffer = Buffer.concat([chunk, rest]);
      let end = buffer.length;
      for (let index = buffer.lastIndexOf(10, end - 1); index >= 0; index = buffer.lastIndexOf(10, end - 1)) {
        const line = buffer.subarray(index + 1, end);
        if (skipPartial) skipPartial = false;
        else if (line.length > 0) yield line.toString('utf8');
        end = index;
        if (end === 0) break;
      }
      rest = buffer.subarray(0, end);
    }
    // The file's first line (no newline before it), when the read reached the start of the file.
    if (floor === 0 && rest.length > 0 && !skipPartial) yield rest.toString('utf8');
  } finally {
    await handle.close();
  }
}

export interface RecentEntriesOptions {
  /** Entries older than this are not read (ISO 8601); null reads back as far as the bounds allow. */
  since: string | null;
  maxLines?: number;
  maxBytes?: number;
}

/**
 * The newest entries of the log directory, newest first: at most `maxLines` lines (OBSERVABILITY_LIMITS.logWindowLines)
 * and `maxBytes` read, none older than `since`. Unredacted.
 */
export async function recentEntries(dir: string, options: RecentEntriesOptions): Promise<LogEntry[]> {
  const maxLines = options.maxLines ?? OBSERVABILITY_LIMITS.logWindowLines;
  let bytesLeft = options.maxBytes ?? HISTORY_MAX_BYTES;
  const since = options.since ? Date.parse(options.since) : null;
  const entries: LogEntry[] = [];
  let lines = 0;
  const files = await logFiles(dir);
  for (let index = files.length - 1; index >= 0 && lines < maxLines && bytesLeft > 0; index--) {
    const path = files[index]!;
    const size = await stat(path).then((info) => info.size, () => 0);
    for await (const line of linesBackwards(path, bytesLeft)) {
      lines += 1;
      const entry = parseJsonLogLine(line);
      if (entry) {
        const at = Date.parse(entry.at);
        // Lines of different server processes may land slightly out of order: read a little past `since`.
        if (since !== null && at < since - OUT_OF_ORDER_MS) return entries;
        if (since === null || at >= since) entries.push(entry);
      }
      if (lines >= maxLines) break;
    }
    bytesLeft -= size;
  }
  return entries;
}

/**
 * The last few lines of the log for people (a failed start's reason), oldest first, as `LEVEL: message`.
 * Unredacted: for the agent's own error messages about a server, never for a cluster's users.
 */
export async function recentLogText(dir: string, lines: number): Promise<string> {
  const entries = await recentEntries(dir, { since: null, maxLines: lines, maxBytes: 1024 * 1024 });
  return entries
    .reverse()
    .map((entry) => `${entry.level.toUpperCase()}: ${entry.message}`)
    .join('\n');
}

/**
 * Removes log files older than LOG_MAX_AGE_MS and, oldest first, those past LOG_MAX_TOTAL_BYTES in all; the newest
 * file of each kind (the one the server writes) is always kept. Returns how many it removed.
 */
export async function pruneLogFiles(dir: string, now = Date.now()): Promise<number> {
  const files = await logFiles(dir, 'all');
  const newest = new Set([files.filter((path) => path.endsWith('.json')).at(-1), files.filter((path) => path.endsWith('.log')).at(-1)]);
  const infos = await Promise.all(files.map(async (path) => ({ path, info: await stat(path).catch(() => null) })));
  let total = infos.reduce((sum, { info }) => sum + (info?.size ?? 0), 0);
  let removed = 0;
  // Names sort by the time the server opened the file, oldest first.
  for (const { path, info } of infos) {
    if (!info || newest.has(path)) continue;
    if (now - info.mtimeMs > LOG_MAX_AGE_MS || total > LOG_MAX_TOTAL_BYTES) {
      await rm(path, { force: true });
      total -= info.size;
      removed += 1;
    }
  }
  return removed;
}
