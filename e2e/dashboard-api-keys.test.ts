// The API keys page in Chromium against the whole local stack: an owner creates a key, sees its secret once and
// uses it from outside the browser, rotates it with no grace (the old secret stops), then revokes it after
// confirming (the new one stops too). The page passes axe. Screenshots go to e2e/artifacts/.
import { describe, expect, it } from 'vitest';
import { axeViolations, browserStack, haveChromium, open, screenshot, signUpInBrowser, uniqueEmail } from './browser.ts';

const suite = browserStack({ tag: 'api-keys', basePort: 34787, stackLog: 'api-keys-stack.log' });

/** What the API answers a program that lists projects with this key. */
const statusWith = async (secret: string) => (await fetch(`${suite.origin}/v1/projects`, { headers: { authorization: `Bearer ${secret}` } })).status;

describe.skipIf(!haveChromium)('the API keys page in Chromium', () => {
  it('creates a key shown once, rotates it and revokes it', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: suite.origin });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signUpInBrowser(page, uniqueEmail('keys'), 'a long api keys password');

    await open(page, '/settings/api-keys');
    expect(await page.getByRole('link', { name: 'API keys' }).first().getAttribute('aria-current')).toBe('page');
    await page.getByLabel('Name').fill('CI deploys');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secretText = page.getByTestId('api-key-secret');
    await expect.poll(() => secretText.isVisible()).toBe(true);
    const secret = (await secretText.textContent())!;
    expect(secret).toMatch(/^oro_[0-9a-z]{8}_[0-9A-Za-z]{43}$/);
    expect(await page.getByRole('button', { name: 'Copy the API key' }).isVisible()).toBe(true);
    const row = page.locator('tr[data-key-id]').first();
    expect(await row.textContent()).toMatch(/CI deploys.*oro_.*Organization.*Role: viewer/);
    expect(await statusWith(secret)).toBe(200);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'api-keys-created');

    await page.getByRole('button', { name: 'I have saved the key' }).click();
    expect(await secretText.count()).toBe(0);

    // Rotate with no grace: a new secret, the old one refused.
    await row.getByRole('button', { name: 'Rotate…' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate CI deploys?' });
    await rotate.getByLabel('Keep the old secret working for').selectOption('0');
    expect(await axeViolations(page)).toEqual([]);
    await rotate.getByRole('button', { name: 'Rotate key' }).click();
    await expect.poll(() => secretText.isVisible()).toBe(true);
    const rotated = (await secretText.textContent())!;
    expect(rotated).not.toBe(secret);
    expect(rotated.slice(0, 13)).toBe(secret.slice(0, 13));
    expect(await page.getByText('The old secret no longer works.').isVisible()).toBe(true);
    expect(await statusWith(secret)).toBe(401);
    expect(await statusWith(rotated)).toBe(200);

    // Revoke after confirming.
    await row.getByRole('button', { name: 'Revoke…' }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke CI deploys?' });
    await screenshot(page, 'api-keys-revoke');
    await revoke.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => row.textContent()).toMatch(/Revoked/);
    expect(await row.getByRole('button', { name: 'Revoke…' }).count()).toBe(0);
    expect(await statusWith(rotated)).toBe(401);
    // Used once from outside the browser: its last use is listed after a reload.
    await open(page, '/settings/api-keys');
    expect(await page.locator('tr[data-key-id]').first().textContent()).toMatch(/(just now|ago) from 127\.0\.0\.1/);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'api-keys-list');
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
