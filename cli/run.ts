// One run of the CLI: parse, run the command, write its result or its error, and answer the exit code. Kept apart
// from main.ts (which wires the process) so tests can run it with their own streams and environment.
import { randomUUID } from 'node:crypto';
import { helpText, parseCommandLine } from './args.ts';
import { apiClient, DryRun, Session } from './client.ts';
import type { Command, Context } from './command.ts';
import { readCredentials } from './credentials.ts';
import { CliError, EXIT } from './errors.ts';
import { defaultFormat, render, renderError, type OutputFormat } from './output.ts';

export const DEFAULT_API_URL = 'http://127.0.0.1:8787';

export interface Io {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal (tables) and stderr is one (a progress line rewritten in place). */
  stdoutTty: boolean;
  stderrTty: boolean;
  prompt: Context['prompt'];
}

export async function run(argv: string[], io: Io, commands: Command[]): Promise<number> {
  // The format is needed to report even a usage error in it, so it is read before the full parse.
  const formatAt = argv.findIndex((a) => a === '-o' || a === '--output');
  const asked = formatAt >= 0 ? argv[formatAt + 1] : argv.find((a) => a.startsWith('--output='))?.slice('--output='.length);
  let format: OutputFormat = asked === 'json' || asked === 'yaml' || asked === 'table' ? asked : defaultFormat(io.stdoutTty);
  try {
    const parsed = parseCommandLine(argv, commands);
    if (parsed.kind === 'help') {
      const help = helpText(commands, parsed.command, parsed.group);
      (parsed.requested ? io.stdout : io.stderr)(help);
      return parsed.requested ? EXIT.ok : EXIT.usage;
    }
    const { command, input } = parsed;
    format = (input.options.output as OutputFormat | undefined) ?? format;
    const stored = await readCredentials(io.env);
    const apiUrl = (input.options.url as string | undefined) ?? io.env.OROCHI_API_URL ?? stored?.api_url ?? DEFAULT_API_URL;
    const session = new Session({
      apiUrl,
      env: io.env,
      dryRun: input.options['dry-run'] === true,
      idempotencyKey: (input.options['idempotency-key'] as string | undefined) ?? randomUUID(),
    });
    let lastProgress = '';
    const ctx: Context = {
      apiUrl,
      org: input.options.org as string | undefined,
      format,
      env: io.env,
      session,
      api: apiClient(session),
      write: io.stdout,
      progress: (line, final) => {
        if (io.stderrTty) io.stderr(`\r\x1b[K${line}${final ? '\n' : ''}`);
        else if (line.replace(/, \d+s$/, '') !== lastProgress) io.stderr(`${line}\n`);
        lastProgress = line.replace(/, \d+s$/, '');
      },
      prompt: io.prompt,
    };
    try {
      io.stdout(render(await command.run(ctx, input), format));
    } catch (error) {
      if (!(error instanceof DryRun)) throw error;
      io.stdout(render({ kind: 'rows', data: { dry_run: true, request: error.request }, rows: [error.request], columns: [
        { header: 'METHOD', value: (r) => r.method },
        { header: 'URL', value: (r) => r.url },
        { header: 'HEADERS', value: (r) => r.headers },
        { header: 'BODY', value: (r) => r.body },
      ] }, format));
    }
    return EXIT.ok;
  } catch (error) {
    const failure = error instanceof CliError ? error : new CliError(error instanceof Error ? error.message : String(error), EXIT.api, 'cli_error');
    io.stderr(renderError(failure, format));
    return failure.exitCode;
  }
}
