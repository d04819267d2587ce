// What went wrong, as the exit code a script can branch on (README: "Exit codes").
export const EXIT = {
  ok: 0,
  /** The API refused or failed the request, or something else went wrong. */
  api: 1,
  /** The command line was wrong: unknown command or option, a missing argument. */
  usage: 2,
  /** No credentials, or the API did not accept them (401). */
  auth: 3,
  /** The resource named does not exist or is not visible to the caller (404). */
  notFound: 4,
  /** A followed operation failed, or --wait gave up before it finished. */
  operation: 5,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code: string,
    readonly status: number | null = null,
    readonly details: unknown = undefined,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage, 'usage');

/** The exit code for an API answer: 401 needs a login, 404 names something missing, the rest are API errors. */
export function exitCodeForStatus(status: number): number {
  if (status === 401) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  return EXIT.api;
}
