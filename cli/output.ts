// The one output writer: every command hands it data and, for tables, the columns to show. JSON and YAML print
// the data as the API shaped it; tables are for people and show the columns that matter.
import { stringify } from 'yaml';
import type { CliError } from './errors.ts';

export const outputFormats = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

/** What a command answers: the data, and how a table shows it (rows with columns, or one record's fields). */
export type Result =
  | { kind: 'rows'; data: unknown; rows: unknown[]; columns: Column<any>[] }
  | { kind: 'record'; data: unknown; fields: Array<{ header: string; value: unknown }> }
  | { kind: 'text'; data: unknown; text: string }
  | { kind: 'none' };

export const rows = <T>(data: unknown, list: T[], columns: Column<T>[]): Result => ({ kind: 'rows', data, rows: list, columns });
export const record = <T>(data: unknown, item: T, fields: Column<T>[]): Result => ({ kind: 'record', data, fields: fields.map((f) => ({ header: f.header, value: f.value(item) })) });
export const text = (data: unknown, value: string): Result => ({ kind: 'text', data, text: value });

/** Table on a terminal, JSON otherwise, unless -o says. */
export function defaultFormat(isTty: boolean): OutputFormat {
  return isTty ? 'table' : 'json';
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\s*\n\s*/g, ' ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Columns padded to their widest cell; lines carry no trailing spaces (an empty last cell included). */
export function table(headers: string[], body: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...body.map(line)].join('\n') + '\n';
}

function serialize(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(data, null, 2) + '\n' : stringify(data);
}

export function render(result: Result, format: OutputFormat): string {
  if (result.kind === 'none') return '';
  // Text with no data behind it (a completion script) is the same in every format.
  if (result.kind === 'text' && result.data === null) return result.text.endsWith('\n') ? result.text : `${result.text}\n`;
  if (format !== 'table') return serialize(result.data, format);
  switch (result.kind) {
    case 'text':
      return result.text.endsWith('\n') ? result.text : `${result.text}\n`;
    case 'rows':
      if (result.rows.length === 0) return '(none)\n';
      return table(
        result.columns.map((c) => c.header),
        result.rows.map((r) => result.columns.map((c) => cell(c.value(r)))),
      );
    case 'record': {
      const width = Math.max(...result.fields.map((f) => f.header.length));
      return result.fields.map((f) => `${`${f.header}:`.padEnd(width + 2)}${cell(f.value)}`.trimEnd()).join('\n') + '\n';
    }
  }
}

/** An error as a person reads it, or under -o json / yaml the same object the API uses: { error: {...} }. */
export function renderError(error: CliError, format: OutputFormat): string {
  if (format !== 'table') {
    const body = { error: { code: error.code, message: error.message, status: error.status, exit_code: error.exitCode, ...(error.details === undefined ? {} : { details: error.details }) } };
    return serialize(body, format);
  }
  const details = Array.isArray(error.details)
    ? error.details.map((d: { path?: string; message?: string }) => `\n  ${d.path ?? ''}: ${d.message ?? ''}`).join('')
    : '';
  return `error: ${error.message}${error.code !== 'usage' && error.status ? ` (${error.code}, HTTP ${error.status})` : ''}${details}\n`;
}
