import { describe, expect, it } from 'vitest';
import { helpText, parseCommandLine } from './args.ts';
import { commands } from './commands/index.ts';
import { CliError, EXIT } from './errors.ts';

const parse = (line: string[]) => parseCommandLine(line, commands);

function usageFailure(line: string[]): string {
  try {
    parse(line);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.usage);
    return (error as CliError).message;
  }
  throw new Error(`${line.join(' ')} parsed`);
}

describe('the command line', () => {
  it('finds the command by its words, with global options before, between or after them', () => {
    for (const line of [
      ['-o', 'json', 'clusters', 'resize', 'orders', '--size', 'small'],
      ['clusters', '--output', 'json', 'resize', 'orders', '--size=small'],
      ['clusters', 'resize', 'orders', '--size', 'small', '--output=json'],
    ]) {
      const parsed = parse(line);
      expect(parsed.kind).toBe('run');
      if (parsed.kind !== 'run') continue;
      expect(parsed.command.path).toEqual(['clusters', 'resize']);
      expect(parsed.input.args).toEqual({ cluster: 'orders' });
      expect(parsed.input.options).toMatchObject({ output: 'json', size: 'small' });
    }
  });

  it('gives mutations --wait, --dry-run and --idempotency-key, and reads them', () => {
    const parsed = parse(['clusters', 'create', 'orders', '--wait', '--dry-run', '--idempotency-key', 'retry-1', '--timeout', '30']);
    expect(parsed.kind === 'run' && parsed.input.options).toMatchObject({ wait: true, 'dry-run': true, 'idempotency-key': 'retry-1', timeout: '30' });
    expect(usageFailure(['clusters', 'get', 'orders', '--wait'])).toBe("Unknown option '--wait'");
  });

  it('passes what follows -- on untouched', () => {
    const parsed = parse(['psql', 'orders', '--', '-c', 'select 1', '--csv']);
    expect(parsed.kind === 'run' && parsed.input).toMatchObject({ args: { cluster: 'orders' }, rest: ['-c', 'select 1', '--csv'] });
  });

  it('refuses what it does not know, in words, as usage errors', () => {
    expect(usageFailure(['clusterz', 'list'])).toBe('Unknown command "clusterz"; run `orochi --help`');
    expect(usageFailure(['clusters', 'explode'])).toBe('Unknown command "clusters explode"; run `orochi clusters --help`');
    expect(usageFailure(['clusters', 'get'])).toBe('Missing <cluster>: `orochi clusters get <cluster> [options]`');
    expect(usageFailure(['clusters', 'get', 'a', 'b'])).toBe('Unexpected argument "b" for `orochi clusters get`');
    expect(usageFailure(['clusters', 'list', '-o', 'xml'])).toBe('--output must be one of table, json, yaml; got "xml"');
    expect(usageFailure(['clusters', 'create', 'x', '--size', 'huge'])).toMatch(/^--size must be one of dev, small/);
    expect(usageFailure(['clusters', 'list', '--url'])).toMatch(/--url/);
  });

  it('shows help when asked, and for a group named without its command', () => {
    expect(parse(['--help'])).toMatchObject({ kind: 'help', command: null, group: null, requested: true });
    expect(parse([])).toMatchObject({ kind: 'help', requested: false });
    expect(parse(['clusters'])).toMatchObject({ kind: 'help', group: 'clusters', requested: false });
    expect(parse(['clusters', 'delete', '-h'])).toMatchObject({ kind: 'help', command: { path: ['clusters', 'delete'] }, requested: true });
  });

  it('writes a group help that lists its commands', () => {
    expect(helpText(commands, null, 'operations')).toMatchInlineSnapshot(`
      "Usage: orochi operations <command> [options]

      Commands:
        operations get <operation>   Show an operation
        operations wait <operation>  Wait for an operation to end (exit 5 when it fails)

      Global options:
            --url <url>                   The API (default: $OROCHI_API_URL, the one signed in to, else http://127.0.0.1:8787)
            --org <org_id>                The organization to list in (default: the one signed in to)
        -o, --output <format>             table, json or yaml (default: table on a terminal, else json)
        -h, --help                        Show help

      Exit codes: 0 ok, 1 API error, 2 usage error, 3 not signed in, 4 not found, 5 operation failed or timed out.
      "
    `);
  });

  it('writes a command help with its own options and the global ones', () => {
    const command = commands.find((c) => c.path.join(' ') === 'clusters delete')!;
    expect(helpText(commands, command, 'clusters')).toMatchInlineSnapshot(`
      "Usage: orochi clusters delete <cluster> [options]

      Delete a cluster

      Options:
            --wait                        Follow the operation until it ends (live over /v1/realtime, else by polling)
            --timeout <seconds>           How long --wait waits (default 600)
            --dry-run                     Print the request instead of sending it
            --idempotency-key <key>       Reuse a key to retry a change safely (default: a new one)
            --purge-backups               Delete its backups too (default: kept for their retention)

      Global options:
            --url <url>                   The API (default: $OROCHI_API_URL, the one signed in to, else http://127.0.0.1:8787)
            --org <org_id>                The organization to list in (default: the one signed in to)
        -o, --output <format>             table, json or yaml (default: table on a terminal, else json)
        -h, --help                        Show help
      "
    `);
  });
});
