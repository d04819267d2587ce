// The SQL console's small rules: the query id the page picks (so it can cancel what it started), who may run
// statements, the EXPLAIN wrapper, and where a server-reported error position falls in the editor's text.
import type { Role } from '../../../protocol/enums.ts';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** `qr_` and 26 random lowercase Crockford base32 characters, the shape the API accepts for `query_id`. */
export function newQueryId(random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(26));
  let id = 'qr_';
  for (const byte of bytes) id += CROCKFORD[byte & 31];
  return id;
}

/** Roles holding clusters:query (developer and above, core/identity/rbac.ts). */
const QUERY_ROLES: ReadonlySet<string> = new Set(['owner', 'admin', 'developer']);
export const canQuery = (role: Role | null | undefined): boolean => role != null && QUERY_ROLES.has(role);

/** What EXPLAIN puts before the statement; with `analyze` it runs, so the plan carries real times and row counts. */
export const explainPrefix = (analyze: boolean) => `EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT TEXT) `;

/** The statement wrapped in EXPLAIN. Its start is kept as typed, so error positions map back by the prefix alone. */
export function explainSql(sql: string, analyze: boolean): string {
  return explainPrefix(analyze) + sql.replace(/;\s*$/, '');
}

/**
 * The editor offset (0-based, UTF-16 units) of PostgreSQL's error position (1-based, in characters of the statement
 * as sent), or null when it has none or it falls outside the text. `prefix` is what was put before the user's
 * text (the EXPLAIN wrapper), whose characters do not exist in the editor.
 */
export function errorOffset(sql: string, position: number | null | undefined, prefix = ''): number | null {
  if (!position || position < 1) return null;
  const chars = [...sql];
  const index = position - 1 - [...prefix].length;
  if (index < 0 || index > chars.length) return null;
  return chars.slice(0, index).join('').length;
}

/** A cell as text: null shown as NULL, objects and arrays as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
