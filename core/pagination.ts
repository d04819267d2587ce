// Cursor pagination over time-ordered ids: newest first, and the cursor is the last id of the page, sealed in
// base64url so clients treat it as opaque.
import { lt, type AnyColumn, type SQL } from 'drizzle-orm';
import { fromBase64Url, toBase64Url } from '../protocol/encoding.ts';
import { ApiError } from './errors.ts';
import { ID_PATTERN } from '../protocol/ids.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCursor(id: string): string {
  return toBase64Url(encoder.encode(id));
}

export function decodeCursor(cursor: string): string {
  let id: string;
  try {
    id = decoder.decode(fromBase64Url(cursor));
  } catch {
    id = '';
  }
  if (!ID_PATTERN.test(id)) {
    throw new ApiError('validation_failed', 'Invalid cursor', { details: [{ path: 'cursor', message: 'not a cursor from this API' }] });
  }
  return id;
}

/** The condition that starts a page after `cursor` (undefined on the first page). */
export function afterCursor(column: AnyColumn, cursor: string | undefined): SQL | undefined {
  return cursor ? lt(column, decodeCursor(cursor)) : undefined;
}

/** Fetch `limit + 1` rows, then pass them here: the extra row only says whether another page exists. */
export function page<Row extends { id: string }, Out>(rows: Row[], limit: number, serialize: (row: Row) => Out) {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  return {
    data: pageRows.map(serialize),
    next_cursor: more && pageRows.length > 0 ? encodeCursor(pageRows[pageRows.length - 1]!.id) : null,
  };
}
