// Why a request got no result, as the response carries it: a code from requestErrorCodes, a message for people, and
// for a failed statement the server's own error.
import pg from 'pg';
import type { RequestErrorCode } from '../../protocol/enums.ts';
import type { SqlError } from '../../protocol/observability.ts';

export class RequestFailure extends Error {
  constructor(
    readonly code: RequestErrorCode,
    message: string,
    readonly sqlError?: SqlError,
  ) {
    super(message);
    this.name = 'RequestFailure';
  }
}

/** An error the server sent (it carries a SQLSTATE), as opposed to a failed connection or a bug. */
export interface ServerError extends Error {
  code: string;
  position?: string;
  hint?: string;
  detail?: string;
}

export function isServerError(error: unknown): error is ServerError {
  return error instanceof pg.DatabaseError && typeof error.code === 'string';
}

/** The server's error in the protocol's shape; position is 1-based in characters of the statement, as PostgreSQL counts. */
export function sqlErrorOf(error: ServerError): SqlError {
  const position = error.position ? Number.parseInt(error.position, 10) : NaN;
  return {
    sqlstate: error.code,
    message: error.message,
    position: Number.isInteger(position) ? position : null,
    hint: error.hint ?? null,
    detail: error.detail ?? null,
  };
}
