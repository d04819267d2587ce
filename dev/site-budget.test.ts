// The JavaScript budget on the site `npm test` just built: every page's first load within 150 KB gzipped.
import { expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { BUDGET_BYTES, measureLazyChunks, measureSite } from './site-budget.ts';

it('keeps every dashboard page within 150 KB of gzipped JavaScript on first load', () => {
  const pages = measureSite();
  expect(pages.map((p) => p.page)).toEqual(expect.arrayContaining(['/login', '/dashboard', '/databases', '/databases/new', '/databases/view', '/regions']));
  for (const p of pages) expect({ page: p.page, over: p.gzipBytes > BUDGET_BYTES }).toEqual({ page: p.page, over: false });
  // The islands really are measured: a page with React carries its runtime.
  expect(pages.find((p) => p.page === '/databases/view')!.gzipBytes).toBeGreaterThan(40 * 1024);
});

it('loads the SQL editor and the chart library only with the tabs that use them, not on the database page first load', () => {
  const dist = resolve(import.meta.dirname, '..', 'site', 'dist');
  const lazy = measureLazyChunks(dist, join(dist, 'databases', 'view.html'));
  const editor = lazy.find((c) => c.chunk === 'SqlEditor');
  expect(editor, 'the SQL editor is a chunk of its own').toBeDefined();
  // CodeMirror with its SQL language is most of that chunk: more than the whole first load would allow beside the page.
  expect(editor!.gzipBytes).toBeGreaterThan(50 * 1024);
  expect(lazy.map((c) => c.chunk)).toEqual(expect.arrayContaining(['QueryTab', 'MetricsTab', 'LogsTab', 'SchemaTab', 'InsightsTab', 'OverviewMonitoring']));
});
