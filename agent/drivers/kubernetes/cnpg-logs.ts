// A CloudNativePG instance pod's log line as a LogEntry. The instance manager writes every line to stdout as JSON;
// PostgreSQL's own lines have `"logger":"postgres"`, `"msg":"record"` and the server's csvlog fields under `record`
// (CNPG docs, logging.md; pkg/management/postgres/logpipe): log_time ("2021-04-30 11:14:09.718 UTC"),
// error_severity (PostgreSQL's level: DEBUG1-5, LOG, INFO, NOTICE, WARNING, ERROR, FATAL, PANIC), sql_state_code,
// message. The instance manager's own lines (other loggers) are not the server's log and are left out. Severity and
// time read as the local servers' jsonlog does (telemetry/log-parse.ts): the same PostgreSQL fields.
import { OBSERVABILITY_LIMITS, type LogEntry } from '../../../protocol/observability.ts';
import { isoOfLogTimestamp, levelOfSeverity } from '../../telemetry/log-parse.ts';

interface CnpgRecord {
  log_time?: string;
  error_severity?: string;
  sql_state_code?: string;
  message?: string;
}

/** One line of an instance pod's log as a LogEntry; null for lines that are not PostgreSQL's (or not JSON). */
export function entryOfCnpgLine(line: string): LogEntry | null {
  let parsed: { logger?: unknown; msg?: unknown; ts?: unknown; record?: unknown };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    return null;
  }
  if (!parsed || parsed.logger !== 'postgres' || typeof parsed.record !== 'object' || parsed.record === null) return null;
  const record = parsed.record as CnpgRecord;
  if (typeof record.message !== 'string') return null;
  const at = (record.log_time && isoOfLogTimestamp(record.log_time)) ?? (typeof parsed.ts === 'number' ? new Date(parsed.ts * 1000).toISOString() : null);
  if (!at) return null;
  const level = levelOfSeverity(record.error_severity ?? 'LOG');
  const code = record.sql_state_code;
  // Success's 00000 on every line says nothing; a code is kept where it tells what went wrong.
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && code !== '00000' ? code : null;
  return { at, level, message: record.message.slice(0, OBSERVABILITY_LIMITS.logMessageMaxChars), sqlstate };
}

/** Splits a chunked stream of lines: call with each chunk, get the complete lines; the tail waits for the next. */
export function lineSplitter(): (chunk: string) => string[] {
  let rest = '';
  return (chunk) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    return parts.filter((line) => line.trim() !== '');
  };
}
