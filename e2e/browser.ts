// What the browser tests share: Debian's Chromium (playwright-core launches it; CI installs it and must never skip),
// the whole local stack started for a test file, waiting for a page's islands to hydrate, signing up the way a person
// does, creating a database as the signed-in user, screenshots in e2e/artifacts/ and an axe-core pass.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { removeDataDir, root, startStack, type Stack } from '../dev/stack.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium`);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

export const ARTIFACTS = resolve(root, 'e2e/artifacts');

export interface BrowserStack {
  stack: Stack;
  browser: Browser;
  /** Where the browser reaches the stack. */
  origin: string;
}

/**
 * The whole local stack and a Chromium for the test file that calls this (at its top level): started before its
 * tests, stopped after them. The returned object is filled in once they run. What the Worker and the agent said is
 * written to e2e/artifacts/`stackLog`, beside the screenshots, for when a run goes wrong.
 */
export function browserStack(options: { tag: string; basePort: number; stackLog: string }): BrowserStack {
  const running = {} as BrowserStack;
  const logs: string[] = [];
  let dataDir: string | undefined;
  beforeAll(async () => {
    if (!haveChromium) return;
    await mkdir(ARTIFACTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), `orochi-e2e-${options.tag}-`));
    const port = options.basePort + Math.floor(Math.random() * 1000);
    // The browser uses localhost: the session cookies are Secure, which Chromium honours over http on localhost only.
    running.origin = `http://localhost:${port}`;
    running.stack = await startStack({ dataDir, port, appUrl: running.origin, wranglerLogLevel: 'warn', output: (source, line) => logs.push(`[${source}] ${line}`) });
    running.browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await running.browser?.close();
    await running.stack?.stop();
    if (haveChromium) await writeFile(join(ARTIFACTS, options.stackLog), logs.join('\n'));
    if (dataDir) await removeDataDir(dataDir);
  }, 60_000);
  return running;
}

/** Waits until every island on the page has hydrated (Astro drops their `ssr` attribute then). */
export async function hydrated(page: Page): Promise<void> {
  await page.waitForFunction(() => [...document.querySelectorAll('astro-island')].every((island) => !island.hasAttribute('ssr')));
}

/** Goes to `path` and waits for its islands. */
export async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await hydrated(page);
}

export const uniqueEmail = (tag: string) => `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

export async function signUpInBrowser(page: Page, email: string, password: string): Promise<void> {
  await open(page, '/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  await page.getByLabel(/I agree/).check();
  await page.getByRole('button', { name: /create account|sign up/i }).click();
  await page.waitForURL('**/dashboard');
}

/** A new database made through the API as the page's signed-in user; its id. */
export async function createDatabase(page: Page, name: string, regionId: string): Promise<string> {
  return page.evaluate(async ({ name, regionId }) => {
    const res = await fetch('/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, region_id: regionId }) });
    return ((await res.json()) as { cluster: { id: string } }).cluster.id;
  }, { name, regionId });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The page's WCAG 2.1 A and AA violations by axe-core: rule, impact and the elements. */
export async function axeViolations(page: Page): Promise<Array<{ id: string; impact: string | null; nodes: string[] }>> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (a <script> tag it would refuse).
  await page.evaluate(await readFile(resolve(root, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}
