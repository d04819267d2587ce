// The log directory readers against real files: history read backwards within bounds, pruning, and following across
// appends, partial lines, rotation and removal.
import { appendFile, mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { LogEntry } from '../../protocol/observability.ts';
import { tempDir, waitFor } from '../testing/fixtures.ts';
import { LogFollower } from './log-follow.ts';
import { LOG_MAX_TOTAL_BYTES, pruneLogFiles, recentEntries, recentLogText } from './log-reader.ts';

const record = (second: number, message: string, severity = 'LOG') =>
  `${JSON.stringify({ timestamp: `2026-11-27 20:00:${String(second).padStart(2, '0')}.000 UTC`, error_severity: severity, message })}\n`;

let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir('logs');
});
afterEach(async () => {
  await dir.remove();
});

describe('log history', () => {
  test('newest first across files, bounded by lines, stopping before `since`', async () => {
    await writeFile(join(dir.path, 'postgresql-20261127-200000.json'), record(1, 'one') + record(2, 'two'));
    await writeFile(join(dir.path, 'postgresql-20261127-200000.log'), 'stderr chatter\n');
    await writeFile(join(dir.path, 'postgresql-20261127-200003.json'), record(3, 'three') + record(4, 'four') + '{"timestamp":"2026-11-27 20:00:05.000 UTC","mess');
    const all = await recentEntries(dir.path, { since: null });
    expect(all.map((entry) => entry.message)).toEqual(['four', 'three', 'two', 'one']);
    expect((await recentEntries(dir.path, { since: null, maxLines: 3 })).map((entry) => entry.message)).toEqual(['four', 'three', 'two']);
    expect((await recentEntries(dir.path, { since: '2026-11-27T20:00:03Z' })).map((entry) => entry.message)).toEqual(['four', 'three']);
    expect(await recentLogText(dir.path, 2)).toBe('INFO: three\nINFO: four');
  });

  test('lines longer than a read chunk, and a byte bound', async () => {
    const long = 'x'.repeat(200_000);
    await writeFile(join(dir.path, 'postgresql-20261127-200000.json'), record(1, 'first') + record(2, long) + record(3, 'last'));
    expect((await recentEntries(dir.path, { since: null })).map((entry) => entry.message.length)).toEqual([4, 200_000, 5]);
    expect((await recentEntries(dir.path, { since: null, maxBytes: 1000 })).map((entry) => entry.message)).toEqual(['last']);
  });

  test('no directory: no entries', async () => {
    expect(await recentEntries(join(dir.path, 'missing'), { since: null })).toEqual([]);
  });

  test('pruning removes files past a week or past the size bound, never the newest', async () => {
    const old = join(dir.path, 'postgresql-20261101-000000.json');
    await writeFile(old, record(1, 'old'));
    await utimes(old, new Date('2026-11-01'), new Date('2026-11-01'));
    await writeFile(join(dir.path, 'postgresql-20261126-000000.json'), Buffer.alloc(LOG_MAX_TOTAL_BYTES, 10));
    await writeFile(join(dir.path, 'postgresql-20261127-000000.json'), record(2, 'kept'));
    await writeFile(join(dir.path, 'postgresql-20261127-000000.log'), '');
    expect(await pruneLogFiles(dir.path, Date.parse('2026-11-27T12:00:00Z'))).toBe(2);
    expect((await readdir(dir.path)).sort()).toEqual(['postgresql-20261127-000000.json', 'postgresql-20261127-000000.log']);
  });
});

describe('log following', () => {
  test('only lines written after it starts, complete lines only, across a rotation', async () => {
    const first = join(dir.path, 'postgresql-20261127-200000.json');
    await mkdir(dir.path, { recursive: true });
    await writeFile(first, record(1, 'before'));
    const got: LogEntry[][] = [];
    const follower = new LogFollower({ dir: dir.path, onEntries: (entries) => got.push(entries), pollMs: 20 });
    const messages = () => got.flat().map((entry) => entry.message);
    try {
      await appendFile(first, record(2, 'after'));
      await waitFor(() => messages().includes('after'), 2000, 'the appended line');
      // Half a line waits for its end.
      const line = record(3, 'split');
      await appendFile(first, line.slice(0, 20));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(messages()).not.toContain('split');
      await appendFile(first, line.slice(20));
      await waitFor(() => messages().includes('split'), 2000, 'the completed line');
      // The server restarts: its last lines land in the old file, then it writes a new one.
      await appendFile(first, record(4, 'last of the old file'));
      await writeFile(join(dir.path, 'postgresql-20261127-200005.json'), record(5, 'first of the new file'));
      await waitFor(() => messages().includes('first of the new file'), 2000, 'the rotated file');
      expect(messages()).toEqual(['after', 'split', 'last of the old file', 'first of the new file']);
      expect(got.every((batch) => batch.length > 0)).toBe(true);
    } finally {
      await follower.stop();
    }
    await appendFile(first, record(6, 'after stop'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(messages()).not.toContain('after stop');
  });

  test('a directory that appears later is read from its start', async () => {
    const logDir = join(dir.path, 'log');
    const got: LogEntry[] = [];
    const follower = new LogFollower({ dir: logDir, onEntries: (entries) => got.push(...entries), pollMs: 20 });
    try {
      await mkdir(logDir);
      await writeFile(join(logDir, 'postgresql-20261127-200000.json'), record(1, 'server started'));
      await waitFor(() => got.length === 1, 2000, 'the first line');
      expect(got[0]!.message).toBe('server started');
    } finally {
      await follower.stop();
    }
  });
});
