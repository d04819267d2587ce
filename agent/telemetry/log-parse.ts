// PostgreSQL's server log as the platform's LogEntry, and the redaction every entry goes through before it leaves
// the agent. The local servers write `jsonlog` (PostgreSQL 15+, src/backend/utils/error/jsonlog.c): one JSON object
// per line with `timestamp` ("2024-05-01 12:00:00.123 UTC", in log_timezone), `error_severity`, `state_code`,
// `message`, and when present `detail`, `hint`, `context`, `statement`.
import { OBSERVABILITY_LIMITS, type LogEntry } from '../../protocol/observability.ts';
import { logLevels, type LogLevel } from '../../protocol/enums.ts';

interface JsonLogRecord {
  timestamp?: unknown;
  error_severity?: unknown;
  state_code?: unknown;
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
  statement?: unknown;
}

/** PostgreSQL's severity folded to the platform's five levels (DEBUG1-5, LOG/INFO/NOTICE, WARNING, ERROR, FATAL/PANIC). */
export function levelOfSeverity(severity: string): LogLevel {
  const s = severity.toUpperCase();
  if (s.startsWith('DEBUG')) return 'debug';
  if (s === 'WARNING') return 'warning';
  if (s === 'ERROR') return 'error';
  if (s === 'FATAL' || s === 'PANIC') return 'fatal';
  return 'info';
}

/** Whether `level` is at least as severe as `least`. */
export function atLeast(level: LogLevel, least: LogLevel): boolean {
  return logLevels.indexOf(level) >= logLevels.indexOf(least);
}

/** "2024-05-01 12:00:00.123 UTC" (or a numeric zone: "+02", "-0530") as ISO 8601; null when it is not that. */
export function isoOfLogTimestamp(text: string): string | null {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) (UTC|GMT|[+-]\d{2}(?::?\d{2})?)$/.exec(text.trim());
  if (!match) return null;
  let zone = match[3]!;
  if (zone === 'UTC' || zone === 'GMT') zone = 'Z';
  else if (/^[+-]\d{2}$/.test(zone)) zone = `${zone}:00`;
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${match[1]}T${match[2]}${zone}`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * One jsonlog line as a LogEntry, unredacted (redact before it leaves the agent); null for a line that is not a log
 * record (a partial line, stray output). The message carries the detail, hint and statement on lines of their own,
 * the way psql shows them.
 */
export function parseJsonLogLine(line: string): LogEntry | null {
  let record: JsonLogRecord;
  try {
    record = JSON.parse(line) as JsonLogRecord;
  } catch {
    return null;
  }
  if (!record || typeof record !== 'object' || typeof record.message !== 'string') return null;
  const at = typeof record.timestamp === 'string' ? isoOfLogTimestamp(record.timestamp) : null;
  if (!at) return null;
  const parts = [record.message];
  for (const [label, value] of [
    ['DETAIL', record.detail],
    ['HINT', record.hint],
    ['STATEMENT', record.statement],
  ] as const) {
    if (typeof value === 'string' && value !== '') parts.push(`${label}: ${value}`);
  }
  const code = record.state_code;
  // 00000 (success) is on every line and says nothing; a code is kept where it tells what went wrong.
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && code !== '00000' ? code : null;
  return {
    at,
    level: levelOfSeverity(typeof record.error_severity === 'string' ? record.error_severity : 'LOG'),
    message: parts.join('\n'),
    sqlstate,
  };
}

export const REDACTED = '[redacted]';

// What looks like a password whatever the cluster's is: `PASSWORD 'x'` in role statements (quotes doubled inside),
// `password=x` in connection strings, and the password part of a connection URI.
const PASSWORD_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(\bPASSWORD\s+E?)'(?:[^']|'')*'/gi, `$1'${REDACTED}'`],
  [/(\bpassword\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s'";]+)/gi, `$1${REDACTED}`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]+:)[^@\s/]+@/gi, `$1${REDACTED}@`],
];

/**
 * Removes the passwords from a text: every occurrence of each (also as written inside a SQL literal, quotes doubled)
 * and anything shaped like a password whatever its value.
 */
export function redactText(text: string, passwords: string | null | readonly string[]): string {
  let out = text;
  for (const password of typeof passwords === 'string' ? [passwords] : (passwords ?? [])) {
    if (!password) continue;
    const forms = new Set([password, password.replaceAll("'", "''")]);
    for (const form of forms) out = out.replaceAll(form, REDACTED);
  }
  for (const [pattern, replacement] of PASSWORD_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** An entry ready to leave the agent: the password redacted, the message cut to the protocol's limit. */
export function redactEntry(entry: LogEntry, passwords: string | null | readonly string[]): LogEntry {
  const message = redactText(entry.message, passwords);
  return { ...entry, message: message.length > OBSERVABILITY_LIMITS.logMessageMaxChars ? message.slice(0, OBSERVABILITY_LIMITS.logMessageMaxChars) : message };
}
