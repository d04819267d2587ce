// The Logs page's rules: which lines a level and a search show, a bounded buffer that keeps the newest lines, and
// the shown lines as a file to download (NDJSON, one entry per line, as the API gives them).
import { logLevels, type LogLevel } from '../../../protocol/enums.ts';
import type { LogEntry } from '../../../protocol/observability.ts';

export type { LogEntry, LogLevel };
export { logLevels };

/** Lines kept in the page's memory; older ones fall off as new ones arrive. */
export const LOG_BUFFER_LINES = 2_000;

const rank = (level: LogLevel) => logLevels.indexOf(level);

/** Lines at `minLevel` or more severe whose message contains `search` (case-insensitive); null shows every level. */
export function filterLogs(lines: readonly LogEntry[], minLevel: LogLevel | null, search: string): LogEntry[] {
  const needle = search.trim().toLowerCase();
  const floor = minLevel ? rank(minLevel) : -1;
  return lines.filter((l) => rank(l.level) >= floor && (needle === '' || l.message.toLowerCase().includes(needle) || (l.sqlstate ?? '').toLowerCase() === needle));
}

/** `lines` with `added` after them, oldest dropped past `max`. */
export function appendBounded<T>(lines: readonly T[], added: readonly T[], max = LOG_BUFFER_LINES): T[] {
  const all = lines.length + added.length <= max ? [...lines, ...added] : [...lines, ...added].slice(-max);
  return all;
}

/** Lines of a fetched history and of the live tail merged in time order, a line in both kept once. */
export function mergeLogs(history: readonly LogEntry[], live: readonly LogEntry[], max = LOG_BUFFER_LINES): LogEntry[] {
  const key = (l: LogEntry) => `${l.at}\u0000${l.level}\u0000${l.message}`;
  const seen = new Set<string>();
  const merged: LogEntry[] = [];
  for (const line of [...history, ...live].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const k = key(line);
    if (seen.has(k)) continue;
    seen.add(k);
    merged.push(line);
  }
  return merged.slice(-max);
}

/** The lines as NDJSON, the shape GET /logs answers with, so a download can be read back by tools. */
export function logsAsNdjson(lines: readonly LogEntry[]): string {
  return lines.map((l) => JSON.stringify({ at: l.at, level: l.level, message: l.message, sqlstate: l.sqlstate })).join('\n') + (lines.length ? '\n' : '');
}
