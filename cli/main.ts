// The `orochi` process: the real streams, terminal prompts, and the exit code of the run.
import { createInterface } from 'node:readline/promises';
import { commands } from './commands/index.ts';
import { run } from './run.ts';

/** A line typed without echo: the terminal in raw mode, Enter ends it, Backspace edits, Ctrl-C or Ctrl-D abandons. */
function readHidden(): Promise<string | null> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    let typed = '';
    const done = (value: string | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(typed);
        if (char === '\u0003' || char === '\u0004') return done(null);
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

async function prompt(question: string, secret: boolean): Promise<string | null> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return null;
  if (secret) {
    process.stderr.write(question);
    return (await readHidden()) || null;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return (await rl.question(question)).trim() || null;
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
