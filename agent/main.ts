// `npm run agent -- --url ... --token ...`: the region agent as a process. SIGINT/SIGTERM stop it gracefully
// (applies in progress finish, local servers stop, state is saved). A terminal's Ctrl-C reaches every process
// of the group, and npm or a supervisor then forwards its own signal: signals within SIGNAL_ECHO_MS of the first
// are that same request. A signal after that means "now": the agent exits at once. With --stop-on-stdin-close
// the end of stdin is a stop request too (the supervising process is gone).
// `npm run agent -- render ...` prints the kubernetes driver's manifests for a cluster instead, and exits.
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { startAgent } from './agent.ts';
import { parseCommandLine, parseRenderCommandLine, UsageError, USAGE } from './cli-options.ts';
import { RenderInputError, renderFromText } from './drivers/kubernetes/render.ts';
import { createLogger } from './log.ts';

/** Exit 2 for anything the caller got wrong (flags, the input file, its content); stdout has the YAML only. */
async function render(argv: string[]): Promise<void> {
  let command;
  try {
    command = parseRenderCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let input: string;
  try {
    input = command.file === null ? await text(process.stdin) : await readFile(command.file, 'utf8');
  } catch (error) {
    process.stderr.write(`render: cannot read ${command.file ?? 'stdin'}: ${(error as Error).message}\n`);
    process.exit(2);
  }
  let result;
  try {
    result = renderFromText(input, command.options);
  } catch (error) {
    if (!(error instanceof RenderInputError)) throw error;
    process.stderr.write(`render: ${error.message}\n`);
    process.exit(2);
  }
  for (const note of result.notes) process.stderr.write(`render: ${note}\n`);
  process.stdout.write(result.yaml);
}

/** Signals this soon after the first are copies of it (the process group's, npm's, a supervisor's). */
const SIGNAL_ECHO_MS = 3000;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'render') return render(argv.slice(1));
  let options;
  try {
    options = parseCommandLine(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = createLogger({ level: options.logLevel });
  let agent;
  try {
    agent = await startAgent({ ...options, logger: log });
  } catch (error) {
    log.error('agent failed to start', { error: (error as Error).message });
    process.exit(1);
  }
  let firstSignalAt: number | null = null;
  const shutdown = (signal: NodeJS.Signals | 'stdin closed') => {
    if (firstSignalAt !== null) {
      if (Date.now() - firstSignalAt < SIGNAL_ECHO_MS || signal === 'stdin closed') {
        log.info('already stopping', { signal });
        return;
      }
      log.warn('second signal: exiting without a clean stop', { signal });
      process.exit(1);
    }
    firstSignalAt = Date.now();
    log.info('signal received; stopping', { signal });
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('stopping failed', { error: (error as Error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  if (options.stopOnStdinClose) {
    process.stdin.on('end', () => shutdown('stdin closed'));
    process.stdin.on('error', () => shutdown('stdin closed'));
    process.stdin.resume();
  }
}

await main();
