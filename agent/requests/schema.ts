// The schema browser's view of the cluster's database, read from the catalogs as the app role: schemas, tables with
// row estimates and sizes, their columns, indexes and foreign keys, views and materialized views with their
// columns, and the installed extensions (whose own tables and views are left to the extension's entry). At most SCHEMA_TABLE_LIMIT tables and as many views are listed (ordered by
// schema and name): past that a browser tree stops being useful, and the answer stays a bounded message.
import type pg from 'pg';
import type { DatabaseSchema } from '../../protocol/observability.ts';
import { agentSql } from './agent-statements.ts';

export const SCHEMA_TABLE_LIMIT = 2_000;

// Schemas the server keeps for itself, and each session's temporary ones.
const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'`;

const SCHEMAS_SQL = agentSql(`SELECT n.nspname AS name, pg_catalog.pg_get_userbyid(n.nspowner) AS owner
FROM pg_catalog.pg_namespace n
WHERE ${USER_SCHEMA} AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
ORDER BY n.nspname`);

const RELATIONS_SQL = agentSql(`SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
  c.reltuples::float8 AS row_estimate,
  CASE WHEN c.relkind IN ('r', 'p') THEN pg_catalog.pg_total_relation_size(c.oid)::float8 END AS size_bytes
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = ANY($1::"char"[]) AND ${USER_SCHEMA}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
LIMIT ${SCHEMA_TABLE_LIMIT}`);

const COLUMNS_SQL = agentSql(`SELECT a.attrelid::int8 AS rel, a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
  NOT a.attnotnull AS nullable, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS "default"
FROM pg_catalog.pg_attribute a
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`);

const INDEXES_SQL = agentSql(`SELECT i.indrelid::int8 AS rel, ic.relname AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
  i.indisunique AS "unique", i.indisprimary AS "primary"
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY($1::oid[])
ORDER BY ic.relname`);

const FOREIGN_KEYS_SQL = agentSql(`SELECT con.conrelid::int8 AS rel, con.conname AS name,
  ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
  rn.nspname AS ref_schema, rc.relname AS ref_table,
  ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype = 'f' AND con.conrelid = ANY($1::oid[])
ORDER BY con.conname`);

const EXTENSIONS_SQL = agentSql(`SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
ORDER BY e.extname`);

type Column = DatabaseSchema['tables'][number]['columns'][number];

function groupBy<T extends { rel: string }, U>(rows: T[], map: (row: T) => U): Map<string, U[]> {
  const groups = new Map<string, U[]>();
  for (const row of rows) {
    const group = groups.get(row.rel) ?? [];
    group.push(map(row));
    groups.set(row.rel, group);
  }
  return groups;
}

export async function readSchema(client: pg.Client): Promise<DatabaseSchema> {
  const schemas = await client.query<{ name: string; owner: string }>(SCHEMAS_SQL);
  const tables = await client.query<{ oid: string; schema: string; name: string; row_estimate: number; size_bytes: number }>(RELATIONS_SQL, [['r', 'p']]);
  const views = await client.query<{ oid: string; schema: string; name: string; kind: string }>(RELATIONS_SQL, [['v', 'm']]);
  const tableOids = tables.rows.map((row) => row.oid);
  const relationOids = [...tableOids, ...views.rows.map((row) => row.oid)];
  const columns = await client.query<{ rel: string; name: string; type: string; nullable: boolean; default: string | null }>(COLUMNS_SQL, [relationOids]);
  const indexes = await client.query<{ rel: string; name: string; definition: string; unique: boolean; primary: boolean }>(INDEXES_SQL, [tableOids]);
  const foreignKeys = await client.query<{ rel: string; name: string; columns: string[]; ref_schema: string; ref_table: string; ref_columns: string[] }>(
    FOREIGN_KEYS_SQL,
    [tableOids],
  );
  const extensions = await client.query<{ name: string; version: string; schema: string }>(EXTENSIONS_SQL);

  const columnsOf = groupBy(columns.rows, (row): Column => ({ name: row.name, type: row.type, nullable: row.nullable, default: row.default }));
  const indexesOf = groupBy(indexes.rows, ({ name, definition, unique, primary }) => ({ name, definition, unique, primary }));
  const foreignKeysOf = groupBy(foreignKeys.rows, (row) => ({
    name: row.name,
    columns: row.columns,
    references: { schema: row.ref_schema, table: row.ref_table, columns: row.ref_columns },
  }));
  return {
    schemas: schemas.rows,
    tables: tables.rows.map((row) => ({
      schema: row.schema,
      name: row.name,
      row_estimate: row.row_estimate,
      size_bytes: row.size_bytes,
      columns: columnsOf.get(row.oid) ?? [],
      indexes: indexesOf.get(row.oid) ?? [],
      foreign_keys: foreignKeysOf.get(row.oid) ?? [],
    })),
    views: views.rows.map((row) => ({ schema: row.schema, name: row.name, materialized: row.kind === 'm', columns: columnsOf.get(row.oid) ?? [] })),
    extensions: extensions.rows,
  };
}
