// The cluster's application role and database, made to match the spec with superuser SQL. Shared by both
// local engines; each step looks first, so running it on a converged cluster changes nothing.
import { scramVerifier, verifierMatches } from './scram.ts';

export type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export interface RoleChanges {
  roleCreated: boolean;
  passwordRotated: boolean;
  databaseCreated: boolean;
}

export async function ensureRoleAndDatabase(query: Query, username: string, database: string, password: string): Promise<RoleChanges> {
  const changes: RoleChanges = { roleCreated: false, passwordRotated: false, databaseCreated: false };
  const role = await query('SELECT rolpassword, rolcanlogin FROM pg_authid WHERE rolname = $1', [username]);
  const existing = role.rows[0];
  if (!existing) {
    await query(`CREATE ROLE ${quoteIdentifier(username)} LOGIN PASSWORD ${quoteLiteral(await scramVerifier(password))}`);
    changes.roleCreated = true;
  } else if (!existing.rolcanlogin || !(await verifierMatches(existing.rolpassword as string | null, password))) {
    await query(`ALTER ROLE ${quoteIdentifier(username)} LOGIN PASSWORD ${quoteLiteral(await scramVerifier(password))}`);
    changes.passwordRotated = true;
  }
  const db = await query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (db.rows.length === 0) {
    await query(`CREATE DATABASE ${quoteIdentifier(database)} OWNER ${quoteIdentifier(username)}`);
    changes.databaseCreated = true;
  }
  return changes;
}
