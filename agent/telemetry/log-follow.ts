// Tails a server's log directory: from the end of its newest file at the moment following starts, every new complete
// line, in batches, within a poll interval of being written. Polling (a stat and a readdir every 100 ms) rather than
// fs.watch, which misses events on some filesystems and says nothing fs.stat would not. Survives the server's
// restarts and rotations (a new file appears: the old one is read to its end first), truncation and removed files.
import { readdirSync, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { OBSERVABILITY_LIMITS, type LogEntry } from '../../protocol/observability.ts';
import { parseJsonLogLine } from './log-parse.ts';
import { logFiles, pruneLogFiles } from './log-reader.ts';

export const FOLLOW_POLL_MS = 100;
/** Read per poll and file; a burst past it is read over the next polls. */
const READ_MAX_BYTES = 1024 * 1024;
/** Further behind than this, the follower skips ahead to the newest lines instead of streaming an old backlog. */
const BACKLOG_MAX_BYTES = 4 * 1024 * 1024;
/** Files switched per poll, should the server rotate many times between two polls. */
const FILES_PER_POLL = 4;
const PRUNE_EVERY_MS = 60_000;

export interface LogFollowerOptions {
  dir: string;
  /** New entries, oldest first, at most OBSERVABILITY_LIMITS.logBatchMax at a time. Unredacted. */
  onEntries(entries: LogEntry[]): void;
  onError?(error: unknown): void;
  pollMs?: number;
}

export class LogFollower {
  /** The file being read (a full path) and how far; null until a file exists. */
  private current: string | null = null;
  private offset = 0;
  /** With no current file: files named after this one are new. */
  private after = '';
  /** Bytes up to the next newline are the rest of a line skipped over, not a line. */
  private discardPartial = false;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private stopped = false;
  private lastPrune = Date.now();

  constructor(private readonly options: LogFollowerOptions) {
    // Positioned at once, synchronously, so a line written right after following starts is never missed.
    const newest = newestJsonFile(options.dir);
    if (newest) {
      this.current = newest.path;
      this.offset = newest.size;
    }
    this.schedule();
  }

  /** Stops following; a poll under way finishes without delivering. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.polling = this.poll()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          this.polling = null;
          this.schedule();
        });
    }, this.options.pollMs ?? FOLLOW_POLL_MS);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await pruneLogFiles(this.options.dir);
    }
    const files = await logFiles(this.options.dir);
    for (let switched = 0; switched < FILES_PER_POLL && !this.stopped; switched++) {
      if (this.current === null) {
        const next = files.find((path) => basename(path) > this.after);
        if (!next) return;
        this.current = next;
        this.offset = 0;
      }
      const size = await stat(this.current).then(
        (info) => info.size,
        () => null,
      );
      if (size === null) {
        // Removed (pruned, or the data directory replaced by a restore): go on with whatever came after it.
        this.moveOn(this.current);
        continue;
      }
      if (size < this.offset) this.offset = 0;
      if (size - this.offset > BACKLOG_MAX_BYTES) {
        this.offset = size - READ_MAX_BYTES;
        this.discardPartial = true;
      }
      if (size > this.offset) await this.readFrom(this.current, size);
      const newer = files.find((path) => basename(path) > basename(this.current!));
      // The server writes only its newest file: an older one read to its end is done.
      if (!newer || this.offset < size) return;
      this.current = newer;
      this.offset = 0;
      this.discardPartial = false;
    }
  }

  private moveOn(gone: string): void {
    this.after = basename(gone);
    this.current = null;
    this.offset = 0;
    this.discardPartial = false;
  }

  /** Reads complete lines from the offset on (at most READ_MAX_BYTES) and delivers their entries. */
  private async readFrom(path: string, size: number): Promise<void> {
    const length = Math.min(READ_MAX_BYTES, size - this.offset);
    const buffer = Buffer.alloc(length);
    const handle = await open(path, 'r');
    let read: number;
    try {
      ({ bytesRead: read } = await handle.read(buffer, 0, length, this.offset));
    } finally {
      await handle.close();
    }
    const end = buffer.lastIndexOf(10, read - 1);
    if (end < 0) {
      // No newline in a full read: a line longer than the read is skipped rather than held in memory.
      if (read === READ_MAX_BYTES) {
        this.offset += read;
        this.discardPartial = true;
      }
      return;
    }
    let start = 0;
    if (this.discardPartial) {
      start = buffer.indexOf(10) + 1;
      this.discardPartial = false;
    }
    this.offset += end + 1;
    const entries: LogEntry[] = [];
    for (const line of buffer.subarray(start, end).toString('utf8').split('\n')) {
      const entry = line ? parseJsonLogLine(line) : null;
      if (entry) entries.push(entry);
    }
    for (let index = 0; index < entries.length && !this.stopped; index += OBSERVABILITY_LIMITS.logBatchMax) {
      this.options.onEntries(entries.slice(index, index + OBSERVABILITY_LIMITS.logBatchMax));
    }
  }
}

function newestJsonFile(dir: string): { path: string; size: number } | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const newest = names.filter((name) => name.startsWith('postgresql-') && name.endsWith('.json')).sort().at(-1);
  if (!newest) return null;
  const path = join(dir, newest);
  try {
    return { path, size: statSync(path).size };
  } catch {
    return null;
  }
}
