// A STAND-IN for a CloudNativePG instance pod's `postgres` container log, for tests only. CNPG's instance manager
// writes PostgreSQL's log to stdout as JSON lines, `{"level","ts","logger":"postgres","msg":"record","record":{csvlog
// fields}}` (CNPG docs, logging.md); here the lines are made from the real server's own log: its jsonlog files (the
// local driver's log_destination, in pgdata/log) and its stderr file (what it says before the collector runs, or all
// of it without one: `%m [%p] ` prefix, PostgreSQL's default log_line_prefix, DETAIL/HINT/STATEMENT/CONTEXT lines
// folded into the record before them). The first line is the instance manager's own, as in a real pod, so readers
// must pick the postgres records out.
import { open, readdir } from 'node:fs/promises';
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

/** Every file the server writes its log to: its stderr file, and its jsonlog files (rotations) in name order. */
async function sources(server: InstanceServer): Promise<Array<{ path: string; json: boolean }>> {
  const json = await readdir(server.jsonLogDir).catch(() => [] as string[]);
  return [{ path: server.logFile, json: false }, ...json.filter((name) => name.endsWith('.json')).sort().map((name) => ({ path: join(server.jsonLogDir, name), json: true }))];
}

/** The complete lines a file gained past `offset`, and the offset after them. */
async function readOn(path: string, offset: number): Promise<{ text: string; offset: number }> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return { text: '', offset: 0 };
  try {
    const { size } = await handle.stat();
    const from = size < offset ? 0 : offset;
    const buffer = Buffer.alloc(size - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    const chunk = buffer.subarray(0, bytesRead).toString('utf8');
    const text = chunk.slice(0, chunk.lastIndexOf('\n') + 1);
    return { text, offset: from + Buffer.byteLength(text) };
  } finally {
    await handle.close();
  }
}

/**
 * Reads the pod's log from where the last read stopped: call it again for what was written since. The container's
 * log begins when its server started, as a pod made again after a hibernation starts with an empty log; lines are
 * taken whole, from every file the server writes, in time order.
 */
export function instanceLogReader(server: InstanceServer, pod: string): () => Promise<PodLogLine[]> {
  const offsets = new Map<string, number>();
  let first = true;
  // log_time has milliseconds, the start time whole seconds.
  const since = server.startedAt - 1000;
  return async () => {
    const records: CsvRecord[] = [];
    for (const source of await sources(server)) {
      const { text, offset } = await readOn(source.path, offsets.get(source.path) ?? 0);
      offsets.set(source.path, offset);
      records.push(...(source.json ? fromJsonlog(text) : fromStderr(text)));
    }
    const lines = records
      .map((record) => lineOf(record, pod))
      .filter((line) => line.time >= since)
      .sort((a, b) => a.time - b.time);
    if (first) {
      first = false;
      lines.unshift({ time: server.startedAt, text: JSON.stringify({ level: 'info', ts: server.startedAt / 1000, logger: 'instance-manager', msg: 'Starting CloudNativePG Instance Manager', logging_pod: pod }) });
    }
    return lines;
  };
}
