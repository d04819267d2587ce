// Vitest global setup for the workers project: a real catalog (in-memory PGlite on the wire protocol, or the
// Postgres named by TEST_DATABASE_URL) with migrations applied, the WebSocket bridge in front of it, and fresh
// secrets, handed to the Worker's bindings through `provide`.
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { startCatalog } from './catalog.ts';
import { generateSecrets, type LocalSecrets } from './secrets.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    catalog: { databaseUrl: string; wsProxy: string; engine: string };
    secrets: LocalSecrets;
  }
}

/** A fresh database on the given server, so test runs never see each other's rows. */
async function freshDatabase(serverUrl: string): Promise<string> {
  const name = `orochi_test_${Date.now().toString(36)}_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  const catalog = await startCatalog({ databaseUrl: serverUrl ? await freshDatabase(serverUrl) : undefined, dataDir: null });
  project.provide('catalog', { databaseUrl: catalog.databaseUrl, wsProxy: catalog.wsProxy, engine: catalog.engine });
  project.provide('secrets', await generateSecrets());
  return async () => {
    await catalog.stop();
  };
}
