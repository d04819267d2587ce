import { describe, expect, test } from 'vitest';
import { OBSERVABILITY_LIMITS } from '../../protocol/observability.ts';
import { atLeast, isoOfLogTimestamp, levelOfSeverity, parseJsonLogLine, redactEntry, redactText } from './log-parse.ts';

const line = (fields: Record<string, unknown>) => JSON.stringify({ timestamp: '2026-11-27 20:01:02.345 UTC', pid: 42, error_severity: 'LOG', message: 'hello', ...fields });

describe('jsonlog lines', () => {
  test('time, level, message and SQLSTATE', () => {
    expect(parseJsonLogLine(line({ error_severity: 'ERROR', state_code: '42P01', message: 'relation "nope" does not exist', statement: 'select * from nope' }))).toEqual({
      at: '2026-11-27T20:01:02.345Z',
      level: 'error',
      message: 'relation "nope" does not exist\nSTATEMENT: select * from nope',
      sqlstate: '42P01',
    });
  });

  test('detail and hint on lines of their own; success code 00000 dropped', () => {
    const entry = parseJsonLogLine(line({ state_code: '00000', detail: 'the detail', hint: 'a hint' }));
    expect(entry?.message).toBe('hello\nDETAIL: the detail\nHINT: a hint');
    expect(entry?.sqlstate).toBeNull();
  });

  test('severities fold to the five levels', () => {
    const cases: Array<[string, string]> = [
      ['DEBUG1', 'debug'],
      ['DEBUG5', 'debug'],
      ['LOG', 'info'],
      ['INFO', 'info'],
      ['NOTICE', 'info'],
      ['STATEMENT', 'info'],
      ['DETAIL', 'info'],
      ['WARNING', 'warning'],
      ['ERROR', 'error'],
      ['FATAL', 'fatal'],
      ['PANIC', 'fatal'],
    ];
    for (const [severity, level] of cases) expect([severity, levelOfSeverity(severity)]).toEqual([severity, level]);
    expect(atLeast('error', 'warning')).toBe(true);
    expect(atLeast('info', 'warning')).toBe(false);
  });

  test('not a record: partial lines and stray output are skipped', () => {
    expect(parseJsonLogLine('{"timestamp":"2026-11-27 20:01:02.345 UTC","mess')).toBeNull();
    expect(parseJsonLogLine('some stderr chatter')).toBeNull();
    expect(parseJsonLogLine(JSON.stringify({ message: 'no time' }))).toBeNull();
  });

  test('timestamps in other zones', () => {
    expect(isoOfLogTimestamp('2026-11-27 21:01:02.345 +01')).toBe('2026-11-27T20:01:02.345Z');
    expect(isoOfLogTimestamp('2026-11-27 01:31:02 +0530')).toBe('2026-11-26T20:01:02.000Z');
    expect(isoOfLogTimestamp('yesterday')).toBeNull();
  });
});

describe('redaction', () => {
  const password = "s3cret-Pa'ss";

  test('every occurrence of the password, also as a SQL literal writes it', () => {
    const text = `connect with s3cret-Pa'ss, then select 's3cret-Pa''ss' twice: s3cret-Pa'ss`;
    const out = redactText(text, password);
    expect(out).not.toContain('s3cret');
    expect(out.match(/\[redacted\]/g)).toHaveLength(3);
  });

  test('password-shaped text whatever the password', () => {
    expect(redactText("ALTER ROLE app PASSWORD 'other''one' VALID UNTIL 'x'", null)).toBe("ALTER ROLE app PASSWORD '[redacted]' VALID UNTIL 'x'");
    expect(redactText("create role x with password E'abc'", null)).toBe("create role x with password E'[redacted]'");
    expect(redactText('host=db password=hunter2 user=app', null)).toBe('host=db password=[redacted] user=app');
    expect(redactText("password = 'hunter 2' dbname=x", null)).toBe('password = [redacted] dbname=x');
    expect(redactText('postgres://app:hunter2@127.0.0.1:5432/app', null)).toBe('postgres://app:[redacted]@127.0.0.1:5432/app');
    expect(redactText('password authentication failed for user "app"', null)).toBe('password authentication failed for user "app"');
  });

  test('a redacted entry is cut to the protocol limit', () => {
    const long = { at: '2026-11-27T20:01:02.345Z', level: 'info' as const, message: `${password} ${'x'.repeat(OBSERVABILITY_LIMITS.logMessageMaxChars)}`, sqlstate: null };
    const out = redactEntry(long, password);
    expect(out.message.length).toBe(OBSERVABILITY_LIMITS.logMessageMaxChars);
    expect(out.message.startsWith('[redacted] x')).toBe(true);
  });
});
