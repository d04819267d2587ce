// `npm run db:migrate`: applies the committed migrations to the Postgres named by DATABASE_URL (Neon in
// production). `npm start` does this by itself for the local catalog.
import { applyMigrations } from './catalog.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL is required, e.g. DATABASE_URL=postgres://user:pass@host/db npm run db:migrate\n');
  process.exit(2);
}
try {
  await applyMigrations(url);
  process.stdout.write('migrations applied\n');
} catch (error) {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
