// A STAND-IN for a CloudNativePG instance pod's `postgres` container log, for tests only. CNPG's instance manager
// writes PostgreSQL's log to stdout as JSON lines, `{"level","ts","logger":"postgres","msg":"record","record":{csvlog
// fields}}` (CNPG docs, logging.md); here the lines are made from the real server's own log: its jsonlog file when the
// server writes one (log_destination jsonlog, in pgdata/log), else its stderr log (`%m [%p] ` prefix, PostgreSQL's
// default log_line_prefix), whose DETAIL/HINT/STATEMENT/CONTEXT lines fold into the record before them. The first
// line is the instance manager's own, as in a real pod, so readers must pick the postgres records out.
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstanceServer } from './cnpg-operator.ts';

/** One line of the pod's log and the time the container runtime would stamp it with. */
export interface PodLogLine {
  time: number;
  text: string;
}

type CsvRecord = Record<string, string>;

const STDERR_LINE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? [A-Z]{3,4}) \[(\d+)\] ([A-Z0-9]+):  (.*)$/;
const FOLDED: Record<string, string> = { DETAIL: 'detail', HINT: 'hint', STATEMENT: 'query', CONTEXT: 'context', QUERY: 'internal_query' };

function timeOf(logTime: string): number {
  const match = /^(\S+) (\S+) (\S+)$/.exec(logTime);
  return match ? Date.parse(`${match[1]}T${match[2]}${match[3] === 'UTC' || match[3] === 'GMT' ? 'Z' : ''}`) : NaN;
}

function emptyRecord(): CsvRecord {
  const fields = ['log_time', 'user_name', 'database_name', 'process_id', 'connection_from', 'session_id', 'session_line_num', 'command_tag', 'session_start_time',
    'virtual_transaction_id', 'transaction_id', 'error_severity', 'sql_state_code', 'message', 'detail', 'hint', 'internal_query', 'internal_query_pos', 'context',
    'query', 'query_pos', 'location', 'application_name', 'backend_type'];
  return Object.fromEntries(fields.map((field) => [field, '']));
}

function lineOf(record: CsvRecord, pod: string): PodLogLine {
  const time = timeOf(record.log_time ?? '');
  const at = Number.isNaN(time) ? Date.now() : time;
  // CNPG's level is the record's severity in lower case for the ones zap knows, info otherwise.
  const severity = (record.error_severity ?? '').toLowerCase();
  const level = ['error', 'warning', 'fatal', 'panic', 'debug'].includes(severity) ? severity : 'info';
  return { time: at, text: JSON.stringify({ level, ts: at / 1000, logger: 'postgres', msg: 'record', logging_pod: pod, record }) };
}

/** Records from the stderr log's text (complete lines only). */
function fromStderr(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  for (const line of text.split('\n')) {
    const match = STDERR_LINE.exec(line);
    if (!match) {
      // A message's own continuation lines (multi-line statements) belong to the record before.
      const last = records.at(-1);
      if (last && line !== '') last[last.query ? 'query' : 'message'] += `\n${line.replace(/^\t/, '')}`;
      continue;
    }
    const [, logTime, pid, severity, message] = match as unknown as [string, string, string, string, string];
    const last = records.at(-1);
    const folded = FOLDED[severity];
    if (folded && last && last.process_id === pid) {
      last[folded] = message;
      continue;
    }
    records.push({ ...emptyRecord(), log_time: logTime, process_id: pid, error_severity: severity, message });
  }
  return records;
}

/** Records from a jsonlog file's lines (PostgreSQL 15's keys, renamed to csvlog's as CNPG's record has them). */
function fromJsonlog(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const s = (key: string) => (json[key] === undefined || json[key] === null ? '' : String(json[key]));
    records.push({
      ...emptyRecord(),
      log_time: s('timestamp'),
      user_name: s('user'),
      database_name: s('dbname'),
      process_id: s('pid'),
      session_id: s('session_id'),
      error_severity: s('error_severity'),
      sql_state_code: s('state_code'),
      message: s('message'),
      detail: s('detail'),
      hint: s('hint'),
      query: s('statement'),
      context: s('context'),
      application_name: s('application_name'),
      backend_type: s('backend_type'),
    });
  }
  return records;
}

/** The log the server writes now: its newest jsonlog file when it writes one, else its stderr file. */
async function currentSource(server: InstanceServer): Promise<{ path: string; json: boolean }> {
  try {
    const files = (await readdir(server.jsonLogDir)).filter((name) => name.endsWith('.json'));
    if (files.length > 0) {
      const dated = await Promise.all(files.map(async (name) => ({ name, mtime: (await stat(join(server.jsonLogDir, name))).mtimeMs })));
      dated.sort((a, b) => a.mtime - b.mtime);
      return { path: join(server.jsonLogDir, dated.at(-1)!.name), json: true };
    }
  } catch {
    // no log directory: the server logs to stderr
  }
  return { path: server.logFile, json: false };
}

/**
 * Reads the server's log from where the last read stopped, as the pod's lines: call it again for what was written
 * since. Only complete lines are taken; a switch to another file (a rotation) starts at that file's beginning.
 */
export function instanceLogReader(server: InstanceServer, pod: string): () => Promise<PodLogLine[]> {
  let path: string | null = null;
  let offset = 0;
  let first = true;
  return async () => {
    const source = await currentSource(server);
    if (source.path !== path) {
      path = source.path;
      offset = 0;
    }
    let text = '';
    const handle = await open(source.path, 'r').catch(() => null);
    if (handle) {
      try {
        const { size } = await handle.stat();
        if (size < offset) offset = 0;
        const buffer = Buffer.alloc(size - offset);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        const chunk = buffer.subarray(0, bytesRead).toString('utf8');
        const complete = chunk.lastIndexOf('\n') + 1;
        text = chunk.slice(0, complete);
        offset += Buffer.byteLength(text);
      } finally {
        await handle.close();
      }
    }
    const lines = (source.json ? fromJsonlog(text) : fromStderr(text)).map((record) => lineOf(record, pod));
    if (first) {
      first = false;
      const at = lines[0]?.time ?? Date.now();
      lines.unshift({ time: at, text: JSON.stringify({ level: 'info', ts: at / 1000, logger: 'instance-manager', msg: 'Starting CloudNativePG Instance Manager', logging_pod: pod }) });
    }
    return lines;
  };
}
