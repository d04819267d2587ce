// `npm run agent -- --url ... --token ...`: the region agent as a process. SIGINT/SIGTERM stop it gracefully
// (applies in progress finish, local servers stop, state is saved); a second signal exits at once.
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
  let signalled = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn('second signal: exiting without a clean stop', { signal });
      process.exit(1);
    }
    signalled = true;
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
}

await main();
