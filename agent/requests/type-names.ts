// PostgreSQL's names of result column types (pg_type.typname: int4, text, _int4 ...), looked up once per type oid
// and cluster: a statement's columns cost a catalog round trip only the first time their types appear.
import type pg from 'pg';
import { agentSql } from './agent-statements.ts';

const TYPE_NAMES_SQL = agentSql('SELECT oid::int8 AS oid, typname FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[])');

/** Types in the cache at most; a cluster with more (many user types) simply looks the rest up again. */
const CACHE_LIMIT = 5_000;

export class TypeNames {
  private readonly names = new Map<number, string>();

  /** Each oid's name; an oid the catalog no longer has (a type dropped meanwhile) is named by its number. */
  async resolve(client: pg.Client, oids: readonly number[]): Promise<Map<number, string>> {
    const missing = [...new Set(oids)].filter((oid) => !this.names.has(oid));
    const found = new Map<number, string>();
    if (missing.length > 0) {
      const { rows } = await client.query<{ oid: string; typname: string }>(TYPE_NAMES_SQL, [missing]);
      for (const row of rows) found.set(Number(row.oid), row.typname);
      for (const [oid, name] of found) if (this.names.size < CACHE_LIMIT) this.names.set(oid, name);
    }
    return new Map(oids.map((oid) => [oid, this.names.get(oid) ?? found.get(oid) ?? String(oid)]));
  }
}
