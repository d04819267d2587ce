import { describe, expect, it } from 'vitest';
import { entryOfCnpgLine, lineSplitter } from './cnpg-logs.ts';

const record = (fields: Record<string, string>) =>
  JSON.stringify({
    level: 'info',
    ts: 1619781249.7188137,
    logger: 'postgres',
    msg: 'record',
    logging_pod: 'postgres-1',
    record: { log_time: '2021-04-30 11:14:09.718 UTC', user_name: 'app', database_name: 'app', process_id: '25', error_severity: 'LOG', sql_state_code: '00000', message: 'hello', ...fields },
  });

describe('CloudNativePG instance log lines', () => {
  it('reads PostgreSQL records: time, level, message, and the SQLSTATE of an error', () => {
    expect(entryOfCnpgLine(record({}))).toEqual({ at: '2021-04-30T11:14:09.718Z', level: 'info', message: 'hello', sqlstate: null });
    expect(entryOfCnpgLine(record({ error_severity: 'ERROR', sql_state_code: '42P01', message: 'relation "nope" does not exist' }))).toEqual({
      at: '2021-04-30T11:14:09.718Z',
      level: 'error',
      message: 'relation "nope" does not exist',
      sqlstate: '42P01',
    });
  });

  it('leaves out the instance manager\'s own lines and what is not JSON', () => {
    expect(entryOfCnpgLine(JSON.stringify({ level: 'info', ts: 1, logger: 'instance-manager', msg: 'Starting CloudNativePG Instance Manager' }))).toBeNull();
    expect(entryOfCnpgLine('not json')).toBeNull();
    expect(entryOfCnpgLine(JSON.stringify({ logger: 'postgres', msg: 'record', record: {} }))).toBeNull();
  });

  it('falls back to the line\'s ts when the record has no readable log_time', () => {
    expect(entryOfCnpgLine(record({ log_time: 'yesterday' }))?.at).toBe(new Date(1619781249718.8137).toISOString());
  });

  it('maps every PostgreSQL severity to a level', () => {
    const levels = ['DEBUG2', 'LOG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'FATAL', 'PANIC'].map((error_severity) => entryOfCnpgLine(record({ error_severity }))?.level);
    expect(levels).toEqual(['debug', 'info', 'info', 'info', 'warning', 'error', 'fatal', 'fatal']);
  });

  it('splits a chunked stream into whole lines', () => {
    const split = lineSplitter();
    expect(split('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(split(':2}\n\n')).toEqual(['{"b":2}']);
  });
});
