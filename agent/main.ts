// `npm run agent -- --url ... --token ...`: the region agent as a process. SIGINT/SIGTERM stop it gracefully
// (applies in progress finish, local servers stop, state is saved); a second signal exits at once.
import { startAgent } from './agent.ts';
import { parseCommandLine, UsageError, USAGE } from './cli-options.ts';
import { createLogger } from './log.ts';

async function main(): Promise<void> {
  let options;
  try {
    options = parseCommandLine(process.argv.slice(2), process.env);
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
