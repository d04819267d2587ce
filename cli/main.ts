// The `orochi` process: the real streams, terminal prompts, and the exit code of the run.
import { createInterface } from 'node:readline/promises';
import { commands } from './commands/index.ts';
import { run } from './run.ts';

async function prompt(question: string, secret: boolean): Promise<string | null> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return null;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // A secret is not echoed: the question is written once, then nothing typed is shown.
  if (secret) {
    process.stderr.write(question);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  }
  try {
    const answer = await rl.question(secret ? '' : question);
    if (secret) process.stderr.write('\n');
    return answer.trim() || null;
  } finally {
    rl.close();
  }
}

const code = await run(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stdoutTty: process.stdout.isTTY === true,
  stderrTty: process.stderr.isTTY === true,
  prompt,
}, commands);
process.exitCode = code;
