import { describe, expect, it } from 'vitest';
import { appendBounded, filterLogs, logsAsNdjson, mergeLogs, type LogEntry } from './log-filter.ts';

const line = (at: string, level: LogEntry['level'], message: string, sqlstate: string | null = null): LogEntry => ({ at: `2026-11-27T12:00:${at}.000Z`, level, message, sqlstate });

describe('log lines', () => {
  const lines = [line('01', 'debug', 'checkpoint starting'), line('02', 'info', 'connection authorized: user=app'), line('03', 'warning', 'Marker in a warning'), line('04', 'error', 'relation "nope" does not exist', '42P01')];

  it('shows the chosen level and anything more severe, and lines containing the search in any case', () => {
    expect(filterLogs(lines, 'warning', '').map((l) => l.level)).toEqual(['warning', 'error']);
    expect(filterLogs(lines, null, 'MARKER').map((l) => l.message)).toEqual(['Marker in a warning']);
    expect(filterLogs(lines, 'info', '42p01')).toEqual([lines[3]]);
    expect(filterLogs(lines, null, '  ')).toHaveLength(4);
  });

  it('keeps only the newest lines past the bound', () => {
    expect(appendBounded([1, 2, 3], [4, 5], 4)).toEqual([2, 3, 4, 5]);
    expect(appendBounded([1], [2], 4)).toEqual([1, 2]);
  });

  it('merges history and live lines in time order, each line once', () => {
    const merged = mergeLogs([lines[0]!, lines[2]!], [lines[1]!, lines[2]!, lines[3]!], 3);
    expect(merged).toEqual([lines[1], lines[2], lines[3]]);
  });

  it('downloads the shown lines as NDJSON that reads back to the same entries', () => {
    const text = logsAsNdjson(lines.slice(2));
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().split('\n').map((l) => JSON.parse(l))).toEqual(lines.slice(2));
    expect(logsAsNdjson([])).toBe('');
  });
});
