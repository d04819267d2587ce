// The database page's Backups and Branches tabs in Chromium against the whole local stack (its agent backs up into
// the embedded object store). A person backs up now and watches the backup complete without reloading, sets the
// schedule and retention (the free plan's cap refused at the field), and branches the database, the branch
// appearing in the tree and running. Screenshots go to e2e/artifacts/.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, root, startStack, type Stack } from '../dev/stack.ts';
import { haveChromium, launchChromium, open, signUpInBrowser, uniqueEmail } from './browser.ts';

const ARTIFACTS = resolve(root, 'e2e/artifacts');

let stack: Stack;
let dataDir: string;
let browser: Browser;
let origin: string;
const logs: string[] = [];

/** The organization's plan, set in the catalog as billing would. */
async function setPlan(orgId: string, plan: 'free' | 'team'): Promise<void> {
  const client = new pg.Client({ connectionString: stack.catalog.databaseUrl });
  await client.connect();
  try {
    await client.query('update organizations set plan = $2 where id = $1', [orgId, plan]);
  } finally {
    await client.end();
  }
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  if (!haveChromium) return;
  await mkdir(ARTIFACTS, { recursive: true });
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-e2e-backups-'));
  const port = 32787 + Math.floor(Math.random() * 1000);
  // The browser uses localhost: the session cookies are Secure, which Chromium honours over http on localhost only.
  origin = `http://localhost:${port}`;
  stack = await startStack({ dataDir, port, appUrl: origin, wranglerLogLevel: 'warn', output: (source, line) => logs.push(`[${source}] ${line}`) });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (haveChromium) await writeFile(join(ARTIFACTS, 'backups-stack.log'), logs.join('\n'));
  if (dataDir) await removeDataDir(dataDir);
}, 60_000);

describe.skipIf(!haveChromium)('the Backups and Branches tabs in Chromium', () => {
  it('backs up now and sees it complete live, and sets the schedule and retention within the plan', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: origin });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signUpInBrowser(page, uniqueEmail('backups'), 'a long backups password');
    const orgId = await page.evaluate(async () => ((await (await fetch('/v1/auth/me')).json()) as { current_org_id: string }).current_org_id);
    await setPlan(orgId, 'free');
    const id = await page.evaluate(async (regionId) => {
      const res = await fetch('/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ledger', region_id: regionId }) });
      return ((await res.json()) as { cluster: { id: string } }).cluster.id;
    }, stack.localRegionId);

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
});
