// The command line: global options anywhere, then the command's words, its arguments and its own options.
// Anything unknown or missing is a usage error (exit 2), said in words.
import { parseArgs } from 'node:util';
import type { Command, Input, OptionSpec } from './command.ts';
import { usageError } from './errors.ts';
import { outputFormats } from './output.ts';

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', value: '<url>', description: 'The API (default: $OROCHI_API_URL, the one signed in to, else http://127.0.0.1:8787)' },
  org: { type: 'string', value: '<org_id>', description: 'The organization to list in (default: the one signed in to)' },
  output: { type: 'string', short: 'o', value: '<format>', choices: outputFormats, description: 'table, json or yaml (default: table on a terminal, else json)' },
  help: { type: 'boolean', short: 'h', description: 'Show help' },
};

export const MUTATION_OPTIONS: Record<string, OptionSpec> = {
  wait: { type: 'boolean', description: 'Follow the operation until it ends (live over /v1/realtime, else by polling)' },
  timeout: { type: 'string', value: '<seconds>', description: 'How long --wait waits (default 600)' },
  'dry-run': { type: 'boolean', description: 'Print the request instead of sending it' },
  'idempotency-key': { type: 'string', value: '<key>', description: 'Reuse a key to retry a change safely (default: a new one)' },
};

export function optionsOf(command: Command | null): Record<string, OptionSpec> {
  return { ...GLOBAL_OPTIONS, ...(command?.mutation ? MUTATION_OPTIONS : {}), ...(command?.options ?? {}) };
}

/** The words of the command line that are not options or their values. */
function words(argv: string[], commands: Command[]): string[] {
  const valued = new Set<string>();
  for (const c of [null, ...commands]) {
    for (const [name, spec] of Object.entries(optionsOf(c))) {
      if (spec.type === 'string') {
        valued.add(`--${name}`);
        if (spec.short) valued.add(`-${spec.short}`);
      }
    }
  }
  const found: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') break;
    if (token.startsWith('-')) {
      if (valued.has(token)) i += 1;
      continue;
    }
    found.push(token);
  }
  return found;
}

export type Parsed =
  /** Help asked for (exit 0), or shown because no command was named (a usage error, exit 2). */
  | { kind: 'help'; command: Command | null; group: string | null; requested: boolean }
  | { kind: 'run'; command: Command; input: Input };

export function parseCommandLine(all: string[], commands: Command[]): Parsed {
  const dashes = all.indexOf('--');
  const argv = dashes === -1 ? all : all.slice(0, dashes);
  const rest = dashes === -1 ? [] : all.slice(dashes + 1);
  const named = words(argv, commands);
  // The longest run of leading words that names a command.
  const command = [...commands].sort((a, b) => b.path.length - a.path.length).find((c) => c.path.every((w, i) => named[i] === w)) ?? null;
  const specs = optionsOf(command);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.short ? { short: s.short } : {}) }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw usageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const values = parsed.values as Input['options'];
  if (!command) {
    const group = named[0] ?? null;
    if (group && !commands.some((c) => c.path[0] === group)) throw usageError(`Unknown command "${group}"; run \`orochi --help\``);
    if (group && named[1] && !values.help) throw usageError(`Unknown command "${named.slice(0, 2).join(' ')}"; run \`orochi ${group} --help\``);
    return { kind: 'help', command: null, group, requested: values.help === true };
  }
  if (values.help) return { kind: 'help', command, group: command.path[0]!, requested: true };
  for (const [name, spec] of Object.entries(specs)) {
    const value = values[name];
    if (spec.choices && typeof value === 'string' && !spec.choices.includes(value)) {
      throw usageError(`--${name} must be one of ${spec.choices.join(', ')}; got "${value}"`);
    }
  }
  const positionals = parsed.positionals.slice(command.path.length);
  const declared = command.args ?? [];
  if (positionals.length > declared.length) throw usageError(`Unexpected argument "${positionals[declared.length]}" for \`orochi ${command.path.join(' ')}\``);
  const args: Input['args'] = {};
  declared.forEach((spec, i) => {
    const name = spec.replace(/\?$/, '');
    if (positionals[i] === undefined && !spec.endsWith('?')) throw usageError(`Missing <${name}>: \`orochi ${usage(command)}\``);
    args[name] = positionals[i];
  });
  return { kind: 'run', command, input: { args, options: values, rest } };
}

export function usage(command: Command): string {
  const args = (command.args ?? []).map((a) => (a.endsWith('?') ? `[${a.slice(0, -1)}]` : `<${a}>`));
  return [...command.path, ...args, '[options]'].join(' ');
}

function optionLines(specs: Record<string, OptionSpec>): string[] {
  return Object.entries(specs).map(([name, s]) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.value ? ` ${s.value}` : ''}`;
    return `  ${left.padEnd(34)}${s.description}`;
  });
}

export function helpText(commands: Command[], command: Command | null, group: string | null): string {
  if (command) {
    const own = { ...(command.mutation ? MUTATION_OPTIONS : {}), ...(command.options ?? {}) };
    return [
      `Usage: orochi ${usage(command)}`,
      '',
      command.summary,
      ...(Object.keys(own).length ? ['', 'Options:', ...optionLines(own)] : []),
      '',
      'Global options:',
      ...optionLines(GLOBAL_OPTIONS),
      '',
    ].join('\n');
  }
  const shown = group ? commands.filter((c) => c.path[0] === group) : commands;
  const width = Math.max(...shown.map((c) => usage(c).length - ' [options]'.length));
  return [
    group ? `Usage: orochi ${group} <command> [options]` : 'Usage: orochi <command> [options]',
    '',
    'Commands:',
    ...shown.map((c) => `  ${usage(c).replace(/ \[options\]$/, '').padEnd(width + 2)}${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Exit codes: 0 ok, 1 API error, 2 usage error, 3 not signed in, 4 not found, 5 operation failed or timed out.',
    '',
  ].join('\n');
}
