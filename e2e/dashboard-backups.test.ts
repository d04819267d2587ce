// The database page's Backups and Branches tabs in Chromium against the whole local stack (its agent backs up into
// the embedded object store and archives WAL there). A person backs up now and watches the backup complete without
// reloading, sets the schedule and retention (the free plan's cap refused at the field), restores from the backup
// after typing the database's name (the state before kept as a branch), and branches the database, the branch
// appearing in the tree and running. Screenshots go to e2e/artifacts/.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { browserStack, createDatabase, haveChromium, open, screenshot, signUpInBrowser, uniqueEmail } from './browser.ts';

const suite = browserStack({ tag: 'backups', basePort: 32787, stackLog: 'backups-stack.log' });

/** The organization's plan, set in the catalog as billing would. */
async function setPlan(orgId: string, plan: 'free' | 'team'): Promise<void> {
  const client = new pg.Client({ connectionString: suite.stack.catalog.databaseUrl });
  await client.connect();
  try {
    await client.query('update organizations set plan = $2 where id = $1', [orgId, plan]);
  } finally {
    await client.end();
  }
}

describe.skipIf(!haveChromium)('the Backups and Branches tabs in Chromium', () => {
  it('backs up now and sees it complete live, and sets the schedule and retention within the plan', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: suite.origin });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signUpInBrowser(page, uniqueEmail('backups'), 'a long backups password');
    const orgId = await page.evaluate(async () => ((await (await fetch('/v1/auth/me')).json()) as { current_org_id: string }).current_org_id);
    await setPlan(orgId, 'free');
    const id = await createDatabase(page, 'ledger', suite.stack.localRegionId);

    await open(page, `/databases/${id}`);
    await page.getByRole('tab', { name: 'Backups' }).click();
    expect(page.url()).toMatch(/#backups$/);
    const status = page.getByTestId('cluster-status').locator('[data-status]');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 30_000 }).toBe('live');
    await expect.poll(() => page.getByTestId('no-backups').isVisible()).toBe(true);

    // Back up now: the backup appears at once and completes over the socket, with no reload.
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    const backupNow = page.getByTestId('backup-now');
    await expect.poll(() => backupNow.isEnabled()).toBe(true);
    await backupNow.click();
    const row = page.getByTestId('backup').first();
    await expect.poll(() => row.getAttribute('data-backup-status')).toMatch(/pending|running|completed/);
    await expect.poll(() => row.getAttribute('data-backup-status'), { timeout: 90_000 }).toBe('completed');
    expect(await row.getByTestId('backup-size').textContent()).toMatch(/^\d[\d.,]* (B|KB|MB|GB)$/);
    expect(await row.textContent()).toMatch(/Manual/);
    await expect.poll(() => page.getByTestId('progress-backup').getAttribute('data-op-status'), { timeout: 30_000 }).toBe('finished');
    expect(await backupNow.isEnabled()).toBe(true);
    expect(await page.locator('[data-connection]').getAttribute('data-connection')).toBe('live');
    expect(navigations).toBe(0);
    await screenshot(page, 'database-backups');

    // The schedule in words as it is typed; a retention past the free plan's 7 days refused at its field.
    await page.getByLabel('Schedule (cron, UTC)').fill('30 2 * * 1-5');
    await expect.poll(() => page.getByTestId('schedule-preview').textContent()).toMatch(/^At 02:30 UTC on weekdays\. Next: \w{3}, /);
    await page.getByLabel('Schedule (cron, UTC)').fill('30 25 * * *');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/hour field goes from 0 to 23/);
    await page.getByLabel('Schedule (cron, UTC)').fill('30 2 * * 1-5');
    const retention = page.getByLabel('Keep backups for (days)');
    await retention.fill('30');
    await page.getByTestId('backup-settings-save').click();
    await expect.poll(() => retention.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await retention.getAttribute('aria-describedby'))!.split(' ');
    const fieldError = page.locator(`[id="${describedBy[describedBy.length - 1]}"]`);
    expect(await fieldError.textContent()).toMatch(/free plan keeps backups at most 7 days/);
    await screenshot(page, 'database-backup-retention-refused');

    await retention.fill('5');
    await page.getByTestId('backup-settings-save').click();
    await expect.poll(() => page.getByTestId('progress-update').getAttribute('data-op-status'), { timeout: 30_000 }).toBe('finished');
    const saved = await page.evaluate(async (clusterId) => ((await (await fetch(`/v1/clusters/${clusterId}`)).json()) as { cluster: { settings: Record<string, unknown> } }).cluster.settings, id);
    expect(saved).toMatchObject({ backup_schedule: '30 2 * * 1-5', backup_retention_days: 5 });
    // Read again, the page shows what was saved.
    await open(page, `/databases/${id}#backups`);
    await expect.poll(() => page.getByLabel('Keep backups for (days)').inputValue()).toBe('5');
    expect(await page.getByLabel('Schedule (cron, UTC)').inputValue()).toBe('30 2 * * 1-5');
    expect(errors).toEqual([]);
    await context.close();
  }, 240_000);

  it('restores from a backup after the name is typed, keeps the state before as a branch, and branches the database', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: suite.origin });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The local stack's organizations start on the team plan: a branch and a preserved state are databases too.
    await signUpInBrowser(page, uniqueEmail('branches'), 'a long branches password');
    const id = await createDatabase(page, 'orders', suite.stack.localRegionId);
    await open(page, `/databases/${id}#backups`);
    const status = page.getByTestId('cluster-status').locator('[data-status]');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await page.getByTestId('backup-now').click();
    const row = page.getByTestId('backup').first();
    await expect.poll(() => row.getAttribute('data-backup-status'), { timeout: 90_000 }).toBe('completed');

    // A write after the backup: its WAL, once archived, makes the window longer than the backup's instant.
    const uri = await page.evaluate(async (clusterId) => ((await (await fetch(`/v1/clusters/${clusterId}/connection?format=uri&reveal=true`)).json()) as { value: string }).value, id);
    const client = new pg.Client({ connectionString: uri });
    await client.connect();
    await client.query('create table notes (id serial primary key, note text)');
    await client.query("insert into notes (note) values ('after the backup')");
    await client.end();

    // The window, as the API reports it, bounds the time picker once it is a second long.
    const restore = page.getByTestId('restore');
    await expect.poll(() => restore.getByTestId('restore-window').isVisible()).toBe(true);
    await expect.poll(() => restore.getByRole('radio', { name: /A point in time/ }).isEnabled(), { timeout: 90_000 }).toBe(true);
    await restore.getByRole('radio', { name: /A point in time/ }).check();
    const picker = restore.getByTestId('point-time');
    const reported = await page.evaluate(async (clusterId) => (await (await fetch(`/v1/clusters/${clusterId}/restore-window`)).json()) as { earliest: string; latest: string }, id);
    const min = await picker.getAttribute('min');
    expect(Math.abs(Date.parse(await page.evaluate((v) => new Date(v).toISOString(), min!)) - Date.parse(reported.earliest))).toBeLessThan(1000);
    expect(await picker.inputValue()).not.toBe('');

    // Restore from the backup's row: Restore stays disabled until the name is typed exactly.
    await row.getByTestId('backup-restore').click();
    const dialog = page.getByTestId('restore-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.getByTestId('restore-target').textContent()).toMatch(/^its backup of /);
    await dialog.getByTestId('restore-confirm-input').fill('order');
    expect(await dialog.getByTestId('restore-confirm').isDisabled()).toBe(true);
    await dialog.getByTestId('restore-confirm-input').fill('orders');
    await screenshot(page, 'database-restore-dialog');
    await dialog.getByTestId('restore-confirm').click();
    const preserved = page.getByTestId('preserved-branch-link');
    await expect.poll(() => preserved.isVisible(), { timeout: 30_000 }).toBe(true);
    const preservedId = (await preserved.getAttribute('href'))!.split('/').pop()!;
    await expect.poll(() => page.getByTestId('progress-restore').getAttribute('data-op-status'), { timeout: 120_000 }).toBe('finished');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await screenshot(page, 'database-restored');

    // Branches: the preserved state is a branch of this database; a new branch made now appears and runs, live.
    await page.getByRole('tab', { name: 'Branches' }).click();
    expect(page.url()).toMatch(/#branches$/);
    const tree = page.getByTestId('branch-tree');
    await expect.poll(() => tree.locator(`[data-cluster-id="${preservedId}"]`).count(), { timeout: 30_000 }).toBe(1);
    await page.getByTestId('branch-name').fill('Orders Dev');
    await expect.poll(() => page.getByText('Use lowercase letters only.').isVisible()).toBe(true);
    await page.getByTestId('branch-name').fill('orders-dev');
    await page.getByTestId('create-branch').getByRole('radio', { name: /^Now/ }).check();
    await page.getByTestId('create-branch-button').click();
    // It appears at once (from the answer), named by its link; its node is found by the id the link leads to.
    const link = tree.getByRole('link', { name: 'orders-dev', exact: true });
    await expect.poll(() => link.count(), { timeout: 30_000 }).toBe(1);
    const branchId = (await link.getAttribute('href'))!.split('/').pop()!;
    const branch = tree.locator(`[data-cluster-id="${branchId}"]`);
    await expect.poll(() => branch.getAttribute('data-status'), { timeout: 120_000 }).toBe('running');
    expect(await branch.locator('.db-branch-meta').textContent()).toMatch(/^Branched from the newest state then/);
    await screenshot(page, 'database-branches');

    // Its Connect link opens its page, whose connection string names its own server.
    expect(await branch.getByTestId('branch-connect').getAttribute('href')).toBe(`/databases/${branchId}`);
    await branch.getByTestId('branch-connect').click();
    await page.waitForURL(`**/databases/${branchId}`);
    await expect.poll(() => page.getByTestId('connection-string').textContent(), { timeout: 30_000 }).toMatch(/^postgres(ql)?:\/\/app@127\.0\.0\.1:\d+\/app$/);
    const parentPort = new URL(uri).port;
    expect(new URL((await page.getByTestId('connection-string').textContent())!).port).not.toBe(parentPort);
    // And its own Branches tab shows where it came from.
    await page.getByRole('tab', { name: 'Branches' }).click();
    await expect.poll(() => page.getByTestId('branch-tree').locator(`[data-cluster-id="${id}"]`).count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator(`[data-cluster-id="${branchId}"]`).getAttribute('aria-current')).toBe('page');
    expect(errors).toEqual([]);
    await context.close();
  }, 420_000);
});
