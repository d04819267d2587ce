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

/**
 * Query insights on a native server (pg_stat_statements preloaded): the extension in the cluster's database, and the
 * app role allowed to read every statement's statistics and every backend's activity (pg_read_all_stats), since the
 * cluster is wholly its owner's. Run as the superuser connected to that database; looks first, like the rest.
 */
export async function enableStatementStatistics(query: Query, username: string): Promise<void> {
  const present = await query(
    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed, pg_has_role($1, 'pg_read_all_stats', 'MEMBER') AS granted",
    [username],
  );
  const { installed, granted } = present.rows[0] as { installed: boolean; granted: boolean };
  if (!installed) await query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  if (!granted) await query(`GRANT pg_read_all_stats TO ${quoteIdentifier(username)}`);
}
