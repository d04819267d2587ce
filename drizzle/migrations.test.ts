// The committed migrations apply cleanly on both catalog engines (embedded PGlite over the wire server, and a
// real Postgres server), and the cluster list queries the API makes are served by indexes at 10,000 clusters.
// The native server is the one on 127.0.0.1:5432 (or TEST_DATABASE_URL); in CI it must be there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { applyMigrations, startCatalog, type Catalog } from '../dev/catalog.ts';

const nativeUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    );
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

const CATALOG_TABLES = [
  'audit_log', 'auth_tokens', 'backups', 'cluster_events', 'clusters', 'idempotency_keys', 'invitations', 'mail_outbox',
  'memberships', 'operations', 'organizations', 'projects', 'refresh_tokens', 'regions', 'sessions', 'users',
];

/** Fills one org with 10,000 clusters (and another with 20,000) and returns the plans of the list queries. */
async function listPlans(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      insert into organizations (id, name, slug) values ('org_big', 'big', 'big-org'), ('org_other', 'other', 'other-org');
      insert into projects (id, org_id, name) values ('prj_a', 'org_big', 'a'), ('prj_b', 'org_big', 'b'), ('prj_o', 'org_other', 'o');
      insert into regions (id, name, provider, driver, visibility) values ('rg_local', 'local', 'local', 'local', 'shared');
      insert into clusters (id, org_id, project_id, region_id, name, engine, version, tier, size, instances, storage_gb, status)
        select 'cl_' || lpad(i::text, 26, '0'), 'org_big', case when i % 2 = 0 then 'prj_a' else 'prj_b' end, 'rg_local',
               'c-' || i, 'postgres', '17', 'dedicated', 'small', 1, 10,
               case when i % 10 = 0 then 'sleeping' else 'running' end
        from generate_series(1, 10000) as i;
      insert into clusters (id, org_id, project_id, region_id, name, engine, version, tier, size, instances, storage_gb, status)
        select 'cl_o' || lpad(i::text, 25, '0'), 'org_other', 'prj_o', 'rg_local', 'o-' || i, 'postgres', '17', 'dedicated', 'small', 1, 10, 'running'
        from generate_series(1, 20000) as i;
      analyze clusters;
    `);
    const cursor = 'cl_' + '5000'.padStart(26, '0');
    const queries = [
      `select * from clusters where org_id = 'org_big' and deleted_at is null order by id desc limit 21`,
      `select * from clusters where org_id = 'org_big' and id < '${cursor}' and deleted_at is null order by id desc limit 21`,
      `select * from clusters where org_id = 'org_big' and project_id = 'prj_a' and id < '${cursor}' order by id desc limit 21`,
      `select * from clusters where org_id = 'org_big' and status = 'sleeping' and id < '${cursor}' order by id desc limit 21`,
    ];
    const plans: string[] = [];
    for (const q of queries) {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${q}`);
      plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
    return plans;
  } finally {
    await client.end();
  }
}

/** Each page is read in order straight off an index: no table scan, no sort of the org's clusters. */
function expectIndexedPages(plans: string[]): void {
  for (const plan of plans) {
    expect(plan).toMatch(/Index (Only )?Scan/);
    expect(plan).not.toMatch(/Seq Scan|Sort/);
  }
}

describe('catalog migrations on embedded PGlite', () => {
  let catalog: Catalog;
  // Starting PGlite and applying every migration takes a few seconds alone and far more on a busy machine.
  beforeAll(async () => {
    catalog = await startCatalog({ dataDir: null });
  }, 120_000);
  afterAll(async () => {
    await catalog?.stop();
  });

  it('create every catalog table, and applying them again changes nothing', async () => {
    expect(await tables(catalog.databaseUrl)).toEqual(expect.arrayContaining(CATALOG_TABLES));
    await applyMigrations(catalog.databaseUrl);
    expect(await tables(catalog.databaseUrl)).toEqual(expect.arrayContaining(CATALOG_TABLES));
  });

  it('serve cluster list pages from indexes at 10,000 clusters in an org', async () => {
    expectIndexedPages(await listPlans(catalog.databaseUrl));
  });
});

describe('catalog migrations on a native Postgres server', async () => {
  const available = await reachable(nativeUrl);
  if (!available && process.env.CI) throw new Error(`CI needs the Postgres server at ${nativeUrl}`);
  let url = '';

  beforeAll(async () => {
    if (!available) return;
    // A fresh database per run so the test never depends on what an earlier run left.
    const name = `orochi_migrations_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: nativeUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(nativeUrl);
    u.pathname = `/${name}`;
    url = u.toString();
    await applyMigrations(url);
  }, 120_000);

  afterAll(async () => {
    if (!url) return;
    const admin = new pg.Client({ connectionString: nativeUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${new URL(url).pathname.slice(1)} with (force)`);
    await admin.end();
  });

  it.runIf(available)('create every catalog table, and applying them again changes nothing', async () => {
    expect(await tables(url)).toEqual(expect.arrayContaining(CATALOG_TABLES));
    await applyMigrations(url);
    expect(await tables(url)).toEqual(expect.arrayContaining(CATALOG_TABLES));
  });

  it.runIf(available)('serve cluster list pages from indexes at 10,000 clusters in an org', async () => {
    expectIndexedPages(await listPlans(url));
  });
});
