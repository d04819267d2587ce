import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from './errors.ts';
import { defaultFormat, record, render, renderError, rows, text } from './output.ts';

const clusters = [
  { id: 'cl_1', name: 'orders', status: 'running', endpoint: { host: '127.0.0.1', port: 5433 }, note: null },
  { id: 'cl_22', name: 'analytics-warehouse', status: 'provisioning', endpoint: null, note: 'line one\nline two' },
];
type Row = (typeof clusters)[number];
const columns = [
  { header: 'ID', value: (c: Row) => c.id },
  { header: 'NAME', value: (c: Row) => c.name },
  { header: 'ENDPOINT', value: (c: Row) => (c.endpoint ? `${c.endpoint.host}:${c.endpoint.port}` : null) },
  { header: 'NOTE', value: (c: Row) => c.note },
];

describe('the output writer', () => {
  it('draws a table on a terminal and JSON otherwise', () => {
    expect(defaultFormat(true)).toBe('table');
    expect(defaultFormat(false)).toBe('json');
  });

  it('pads table columns to the widest cell, empties nulls, folds newlines, leaves no trailing spaces', () => {
    expect(render(rows(clusters, clusters, columns), 'table')).toMatchInlineSnapshot(`
      "ID     NAME                 ENDPOINT        NOTE
      cl_1   orders               127.0.0.1:5433
      cl_22  analytics-warehouse                  line one line two
      "
    `);
  });

  it('says (none) for an empty list in a table, and [] in JSON', () => {
    expect(render(rows([], [], columns), 'table')).toBe('(none)\n');
    expect(render(rows([], [], columns), 'json')).toBe('[]\n');
  });

  it('prints the data as the API shaped it in JSON and YAML, whatever the table shows', () => {
    const result = rows(clusters, clusters, columns.slice(0, 1));
    expect(JSON.parse(render(result, 'json'))).toEqual(clusters);
    expect(render(result, 'yaml')).toMatchInlineSnapshot(`
      "- id: cl_1
        name: orders
        status: running
        endpoint:
          host: 127.0.0.1
          port: 5433
        note: null
      - id: cl_22
        name: analytics-warehouse
        status: provisioning
        endpoint: null
        note: |-
          line one
          line two
      "
    `);
  });

  it('shows one record as aligned fields, objects as JSON', () => {
    const cluster = clusters[0]!;
    expect(render(record(cluster, cluster, [...columns, { header: 'STATUS', value: (c: Row) => c.status }, { header: 'RAW', value: (c: Row) => c.endpoint }]), 'table')).toMatchInlineSnapshot(`
      "ID:       cl_1
      NAME:     orders
      ENDPOINT: 127.0.0.1:5433
      NOTE:
      STATUS:   running
      RAW:      {"host":"127.0.0.1","port":5433}
      "
    `);
  });

  it('prints text as text on a terminal and its data in JSON', () => {
    const connection = { format: 'uri', value: 'postgresql://app@127.0.0.1:5433/app' };
    expect(render(text(connection, connection.value), 'table')).toBe('postgresql://app@127.0.0.1:5433/app\n');
    expect(JSON.parse(render(text(connection, connection.value), 'json'))).toEqual(connection);
  });

  it('writes errors in words, or as { error } with the exit code under -o json', () => {
    const error = new CliError('The request is not valid', EXIT.api, 'validation_failed', 400, [{ path: 'name', message: 'too long' }]);
    expect(renderError(error, 'table')).toMatchInlineSnapshot(`
      "error: The request is not valid (validation_failed, HTTP 400)
        name: too long
      "
    `);
    expect(JSON.parse(renderError(error, 'json'))).toEqual({
      error: { code: 'validation_failed', message: 'The request is not valid', status: 400, exit_code: 1, details: [{ path: 'name', message: 'too long' }] },
    });
    expect(renderError(new CliError('Missing <name>', EXIT.usage, 'usage'), 'table')).toBe('error: Missing <name>\n');
  });
});
