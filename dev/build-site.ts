// Builds the dashboard (site/ -> site/dist), which the Worker serves as static assets. `npm start`, `npm test` and
// `npm run bench` run it first, so the Worker never starts without its pages.
import { build } from 'astro';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', 'site');

export async function buildSite(): Promise<void> {
  const started = Date.now();
  await build({ root, logLevel: 'warn' });
  process.stdout.write(`dashboard built into site/dist in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildSite();
