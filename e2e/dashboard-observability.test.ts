// The database page's observability tabs in Chromium against the whole local stack (its agent samples, probes and
// tails the real PostgreSQL server it runs). A person opens each tab of a new database: Query runs `select 1 as n`
// with Ctrl-Enter and shows the grid typed int4, shows a bad statement's SQLSTATE with its position marked, creates
// a table, explains a statement and cancels a running one; Logs shows a RAISE LOG line live, holds lines while
// paused and shows them on resume; Metrics draws charts that gain points without a reload; Schema lists the table
// with its columns; Insights lists the statements run; the Overview shows sparklines and the health history. Each
// tab passes axe, and nothing trips the pages' CSP. A statement refused by a sleeping database offers Wake and runs
// once it is awake; a viewer gets the editor read-only. Screenshots go to e2e/artifacts/observability-*.png.
import pg from 'pg';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations, browserStack, createDatabase, haveChromium, open, screenshot, signUpInBrowser, uniqueEmail } from './browser.ts';

const suite = browserStack({ tag: 'observability', basePort: 38787, stackLog: 'observability-stack.log' });

async function expectAxeClean(page: Page, where: string): Promise<void> {
  expect({ where, violations: await axeViolations(page) }).toEqual({ where, violations: [] });
}

/** Replaces the editor's text and runs it with Ctrl-Enter, as a person would. */
async function runInEditor(page: Page, sql: string): Promise<void> {
  const editor = page.locator('.cm-content');
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText types the statement as one input, so completion and bracket closing do not rewrite it.
  await page.keyboard.insertText(sql);
  await page.keyboard.press('Control+Enter');
}

/** What the Query tab shows for the last run: the result's summary line, the error in words, or 'pending'. */
async function outcome(page: Page): Promise<string> {
  // Read in one go in the page: the panel is replaced while a statement runs, so separate reads could race it.
  return page.evaluate(() => {
    const failure = document.querySelector('[data-testid="query-error"]');
    if (failure) return `error: ${failure.textContent}`;
    return document.querySelector('[data-testid="query-summary"]')?.textContent ?? 'pending';
  });
}

describe.skipIf(!haveChromium)('the observability tabs in Chromium', () => {
  it('queries, tails the log, charts metrics live, browses the schema and lists insights, each tab axe clean', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: suite.origin });
    // The editor and the charts style themselves from script: none of it may need what the pages' CSP refuses.
    const violations: string[] = [];
    await context.exposeFunction('reportCspViolation', (line: string) => violations.push(line));
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { reportCspViolation: (line: string) => void }).reportCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`);
      });
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/content security policy/i.test(message.text())) violations.push(message.text());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signUpInBrowser(page, uniqueEmail('observability'), 'a long observability password');
    const id = await createDatabase(page, 'observed', suite.stack.localRegionId);

    await open(page, `/databases/${id}`);
    const status = page.getByTestId('cluster-status').locator('[data-status]');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 30_000 }).toBe('live');

    // Query: Ctrl-Enter runs the statement; the grid names the column and its PostgreSQL type.
    await page.getByRole('tab', { name: 'Query' }).click();
    expect(page.url()).toMatch(/#query$/);
    await page.locator('.cm-content').waitFor();
    await runInEditor(page, 'select 1 as n');
    const result = page.getByTestId('query-result');
    await expect.poll(() => outcome(page), { timeout: 30_000 }).toMatch(/^SELECT · 1 row · [\d.,]+ ms$/);
    expect(await result.locator('th').first().getAttribute('data-type')).toBe('int4');
    expect(await result.locator('th').first().textContent()).toBe('nint4');
    expect(await result.locator('tbody td').first().textContent()).toBe('1');
    await screenshot(page, 'observability-query-result');
    await expectAxeClean(page, 'query');

    // A bad statement: its message and SQLSTATE, and where it went wrong marked in the editor.
    await runInEditor(page, 'select * from no_such_table');
    const failure = page.getByTestId('query-error');
    await expect.poll(() => outcome(page), { timeout: 30_000 }).toMatch(/^error: /);
    expect(await page.getByTestId('query-sqlstate').textContent()).toBe('42P01');
    expect(await failure.textContent()).toMatch(/relation "no_such_table" does not exist/);
    await expect.poll(() => page.locator('.cm-sql-error').textContent()).toBe('no_such_table');
    await screenshot(page, 'observability-query-error');

    await runInEditor(page, 'create table notes (id serial primary key, note text not null)');
    await expect.poll(() => outcome(page), { timeout: 30_000 }).toMatch(/^CREATE TABLE/);
    await runInEditor(page, "insert into notes (note) values ('first'), ('second')");
    await expect.poll(() => outcome(page), { timeout: 30_000 }).toMatch(/^INSERT · 2 rows/);
    // The history keeps what was run, newest first; a click loads it back.
    await expect.poll(() => page.getByTestId('query-history').locator('li').count()).toBe(4);
    expect(await page.getByTestId('query-history').locator('li').first().textContent()).toMatch(/^insert into notes/);

    // EXPLAIN shows the plan of what is in the editor, without running it.
    await runInEditor(page, 'select * from notes where id = 1');
    await expect.poll(() => outcome(page), { timeout: 30_000 }).toMatch(/^SELECT · 1 row/);
    await page.getByTestId('query-explain').click();
    await expect.poll(() => outcome(page), { timeout: 30_000 }).toMatch(/^EXPLAIN · /);
    expect(await result.locator('th').first().textContent()).toBe('QUERY PLANtext');
    expect(await result.locator('tbody').textContent()).toMatch(/Scan .*notes/);

    // Cancel stops a running statement on the server.
    await runInEditor(page, 'select pg_sleep(60)');
    const cancel = page.getByTestId('query-cancel');
    await cancel.waitFor({ timeout: 10_000 });
    const cancelledAt = Date.now();
    await cancel.click();
    await expect.poll(() => outcome(page), { timeout: 15_000 }).toMatch(/^error: .*cancel/i);
    expect(Date.now() - cancelledAt).toBeLessThan(15_000);

    // Logs: a RAISE LOG line reaches the open tab live.
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByTestId('log-lines').waitFor({ timeout: 30_000 });
    const uri = await page.evaluate(async (clusterId) => ((await (await fetch(`/v1/clusters/${clusterId}/connection?format=uri&reveal=true`)).json()) as { value: string }).value, id);
    const marker = `marker-${Date.now()}`;
    // Give the agent's tail a moment to start after the subscription before the line is written.
    await page.waitForTimeout(1_000);
    const client = new pg.Client({ connectionString: uri });
    await client.connect();
    const raisedAt = Date.now();
    await client.query(`DO $$ begin raise log '${marker}'; end $$`);
    await client.end();
    const line = page.getByTestId('log-lines').locator('li', { hasText: marker });
    await expect.poll(() => line.count(), { timeout: 10_000, interval: 100 }).toBeGreaterThan(0);
    const tailMs = Date.now() - raisedAt;
    console.log(`RAISE LOG line shown in the browser after ${tailMs} ms`);
    expect(tailMs).toBeLessThan(5_000);
    // Paused, new lines wait (counted on the button) and join on resume.
    await page.getByTestId('log-pause').click();
    const held = `held-${Date.now()}`;
    const again = new pg.Client({ connectionString: uri });
    await again.connect();
    await again.query(`DO $$ begin raise log '${held}'; end $$`);
    await again.end();
    await expect.poll(() => page.getByTestId('log-pause').textContent(), { timeout: 10_000 }).toMatch(/^Resume \(\d+ new\)$/);
    expect(await page.getByTestId('log-lines').locator('li', { hasText: held }).count()).toBe(0);
    await page.getByTestId('log-pause').click();
    await expect.poll(() => page.getByTestId('log-lines').locator('li', { hasText: held }).count()).toBe(1);

    // The search narrows the lines to it; a level above it hides it.
    await page.getByTestId('log-search').fill(marker);
    await expect.poll(() => page.getByTestId('log-lines').locator('li').count()).toBe(1);
    await screenshot(page, 'observability-logs');
    await expectAxeClean(page, 'logs');
    await page.getByTestId('log-level').selectOption('error');
    await expect.poll(() => page.getByTestId('log-lines').locator('li').count()).toBe(0);

    // Metrics: six charts, filling, with new points arriving live (every 10 s) without a reload.
    await page.getByRole('tab', { name: 'Metrics' }).click();
    const tps = page.getByTestId('chart-tps');
    await tps.waitFor({ timeout: 30_000 });
    expect(await page.locator('figure.obs-chart').count()).toBeGreaterThanOrEqual(6);
    const before = Number(await page.getByTestId('chart-connections').getAttribute('data-points'));
    await expect.poll(async () => Number(await page.getByTestId('chart-connections').getAttribute('data-points')), { timeout: 30_000, interval: 500 }).toBeGreaterThan(before);
    expect(await page.getByTestId('chart-cpu').getAttribute('aria-label')).toMatch(/^CPU from .+ to .+\. CPU: now [\d.,]+%/);
    await screenshot(page, 'observability-metrics');
    await expectAxeClean(page, 'metrics');

    // Schema: the table made through the Query tab, with its columns and primary key.
    await page.getByRole('tab', { name: 'Schema' }).click();
    const notes = page.locator('[data-testid="schema-item"][data-name="notes"]');
    await expect.poll(() => notes.count(), { timeout: 30_000 }).toBe(1);
    await notes.click();
    const detail = page.getByTestId('schema-detail');
    await expect.poll(() => detail.getByTestId('schema-column').count()).toBe(2);
    expect(await detail.textContent()).toMatch(/notes_pkey/);
    await screenshot(page, 'observability-schema');
    await expectAxeClean(page, 'schema');

    // Insights: the statements run above are among the top statements.
    await page.getByRole('tab', { name: 'Insights' }).click();
    const insights = page.getByTestId('insights-table');
    await expect.poll(() => insights.isVisible(), { timeout: 30_000 }).toBe(true);
    await page.getByRole('radio', { name: 'Calls' }).check();
    await expect.poll(async () => (await insights.textContent()) ?? '', { timeout: 30_000 }).toMatch(/insert into notes/i);
    await screenshot(page, 'observability-insights');
    await expectAxeClean(page, 'insights');

    // Overview: sparklines of the last hour and the health history, up.
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByTestId('overview-monitoring').waitFor();
    await expect.poll(async () => Number(await page.getByTestId('spark-connections').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('health-history').getAttribute('data-current'), { timeout: 60_000 }).toBe('up');
    await screenshot(page, 'observability-overview');
    await expectAxeClean(page, 'overview');
    expect(errors).toEqual([]);
    expect(violations).toEqual([]);
    await context.close();
  }, 420_000);

  it('offers to wake a sleeping database when a statement is refused, and runs it once awake; history loads back', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: suite.origin });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signUpInBrowser(page, uniqueEmail('sleeper'), 'a long sleeper password');
    const id = await createDatabase(page, 'sleeper', suite.stack.localRegionId);
    await open(page, `/databases/${id}#query`);
    const status = page.getByTestId('cluster-status').locator('[data-status]');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await page.locator('.cm-content').waitFor();
    await runInEditor(page, "select 'awake' as state");
    await expect.poll(() => outcome(page), { timeout: 30_000 }).toMatch(/^SELECT · 1 row/);

    await page.evaluate(async (clusterId) => void (await fetch(`/v1/clusters/${clusterId}/sleep`, { method: 'POST' })), id);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('sleeping');
    await page.getByTestId('query-run').click();
    await expect.poll(() => outcome(page), { timeout: 30_000 }).toMatch(/^error: .*sleep/i);
    await page.getByTestId('query-wake').click();
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await page.getByTestId('query-run').click();
    await expect.poll(() => outcome(page), { timeout: 30_000 }).toMatch(/^SELECT · 1 row/);
    expect(await page.getByTestId('query-result').locator('tbody td').first().textContent()).toBe('awake');

    // A statement from the history goes back into the editor with a click.
    await runInEditor(page, 'select 2');
    await page.getByTestId('query-history').getByRole('button', { name: "select 'awake' as state" }).click();
    expect(await page.locator('.cm-content').textContent()).toBe("select 'awake' as state");
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('shows a viewer the editor read-only, with a note, and no way to run statements or reset insights', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: suite.origin });
    const page = await context.newPage();
    await signUpInBrowser(page, uniqueEmail('viewer'), 'a long viewer password');
    const me = await page.evaluate(async () => (await (await fetch('/v1/auth/me')).json()) as { user: { id: string }; current_org_id: string });
    const id = await createDatabase(page, 'watched', suite.stack.localRegionId);
    // The account becomes a viewer of its organization, as an admin changing its role would make it.
    const catalog = new pg.Client({ connectionString: suite.stack.catalog.databaseUrl });
    await catalog.connect();
    await catalog.query("update memberships set role = 'viewer' where org_id = $1 and user_id = $2", [me.current_org_id, me.user.id]);
    await catalog.end();

    await open(page, `/databases/${id}#query`);
    await expect.poll(() => page.getByTestId('cluster-status').locator('[data-status]').getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await page.locator('.cm-content').waitFor();
    expect(await page.getByTestId('query-tab').textContent()).toMatch(/can read the schema but not run statements/);
    expect(await page.locator('.cm-content').getAttribute('contenteditable')).toBe('false');
    expect(await page.getByTestId('query-run').isDisabled()).toBe(true);
    await page.getByRole('tab', { name: 'Insights' }).click();
    await page.getByTestId('insights-refresh').waitFor();
    expect(await page.getByTestId('insights-reset').count()).toBe(0);
    // What the page hides, the API refuses.
    const status = await page.evaluate(async (clusterId) => (await fetch(`/v1/clusters/${clusterId}/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'select 1' }) })).status, id);
    expect(status).toBe(403);
    await context.close();
  }, 120_000);
});
