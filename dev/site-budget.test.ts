// The JavaScript budget on the site `npm test` just built: every page's first load within 150 KB gzipped.
import { expect, it } from 'vitest';
import { BUDGET_BYTES, measureSite } from './site-budget.ts';

it('keeps every dashboard page within 150 KB of gzipped JavaScript on first load', () => {
  const pages = measureSite();
  expect(pages.map((p) => p.page)).toEqual(expect.arrayContaining(['/login', '/dashboard', '/databases', '/databases/new', '/databases/view', '/regions']));
  for (const p of pages) expect({ page: p.page, over: p.gzipBytes > BUDGET_BYTES }).toEqual({ page: p.page, over: false });
  // The islands really are measured: a page with React carries its runtime.
  expect(pages.find((p) => p.page === '/databases/view')!.gzipBytes).toBeGreaterThan(40 * 1024);
});
