// What a command is: its words, its arguments and options, and what it does with a parsed command line.
import type { Api, Session } from './client.ts';
import type { OutputFormat, Result } from './output.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  short?: string;
  /** A value the option takes, for help and completion: `<size>`. */
  value?: string;
  choices?: readonly string[];
}

export interface Context {
  apiUrl: string;
  org: string | undefined;
  format: OutputFormat;
  env: NodeJS.ProcessEnv;
  session: Session;
  api: Api;
  /** Results streamed as they come (logs --follow): stdout. */
  write: (text: string) => void;
  /** Progress and notices, never the result: stderr. */
  progress: (line: string, final?: boolean) => void;
  /** Prompts for a value on the terminal (hidden when secret); null when there is no terminal to ask on. */
  prompt: (question: string, secret: boolean) => Promise<string | null>;
}

export interface Input {
  args: Record<string, string | undefined>;
  options: Record<string, string | boolean | undefined>;
  /** What came after `--`, passed on untouched (to psql). */
  rest: string[];
}

export interface Command {
  /** The words that name it: ['clusters', 'create']. */
  path: string[];
  summary: string;
  /** Positional arguments in order; a trailing `?` makes one optional. */
  args?: string[];
  options?: Record<string, OptionSpec>;
  /** A change: takes --wait, --dry-run and --idempotency-key. */
  mutation?: boolean;
  run(ctx: Context, input: Input): Promise<Result>;
}

export const str = (input: Input, name: string): string | undefined => {
  const value = input.options[name];
  return typeof value === 'string' ? value : undefined;
};
export const flag = (input: Input, name: string): boolean => input.options[name] === true;
