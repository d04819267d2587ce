// The dashboard in a real browser: Debian's Chromium driven by playwright-core against the whole local stack (the
// built site served by `wrangler dev`, the catalog, the local region's agent and the PostgreSQL servers it runs).
// A person signs up, creates a database, watches it become Running without reloading, copies its connection string
// and connects to it from this test with a Postgres client, puts it to sleep, wakes it and deletes it. Then: sign-in
// failures and form validation in words, the phone layout, and an accessibility pass with axe-core (labels, focus
// order, contrast). Screenshots of the main pages go to e2e/artifacts/.
import pg from 'pg';
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations, browserStack, createDatabase, haveChromium, hydrated, open, screenshot, signUpInBrowser, uniqueEmail } from './browser.ts';

const suite = browserStack({ tag: 'dashboard', basePort: 30787, stackLog: 'stack.log' });

async function newContext(options: { viewport?: { width: number; height: number }; clipboard?: boolean } = {}): Promise<BrowserContext> {
  const context = await suite.browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, baseURL: suite.origin });
  if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.origin });
  return context;
}

describe.skipIf(!haveChromium)('the dashboard in Chromium', () => {
  it('takes a new user from sign-up to a running database they connect to, then sleeps, wakes and deletes it', async () => {
    const context = await newContext({ clipboard: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await signUpInBrowser(page, uniqueEmail('browser'), 'a long browser password');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/dashboard/i);
    await screenshot(page, 'dashboard-empty');

    await open(page, '/databases/new');
    await page.getByLabel('Database name').fill('Shop');
    await expect.poll(() => page.getByText(/lowercase/i).first().isVisible()).toBe(true);
    await page.getByLabel('Database name').fill('shop');
    await page.getByRole('radio', { name: /^local/ }).check();
    await page.getByRole('radio', { name: /^dev/ }).check();
    await page.getByRole('button', { name: /generate/i }).click();
    await screenshot(page, 'create-database');
    await page.getByRole('button', { name: 'Create database' }).click();
    await page.waitForURL(/\/databases\/cl_[0-9a-z]{26}$/);
    const id = page.url().split('/').pop()!;

    // Running arrives over the realtime socket: no reload, no navigation.
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    const status = page.getByTestId('cluster-status').locator('[data-status]');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    expect(navigations).toBe(0);
    await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection')).toBe('live');

    // Reveal the password, copy the connection string, and use it.
    await page.getByTestId('reveal-password').click();
    await expect.poll(() => page.getByTestId('connection-string').textContent()).toMatch(/^postgres(ql)?:\/\/app:[^*@]+@/);
    await page.getByTestId('copy-connection-string').getByRole('button').click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(/^postgres(ql)?:\/\/app:/);
    const client = new pg.Client({ connectionString: copied });
    await client.connect();
    expect((await client.query('select current_user as who')).rows).toEqual([{ who: 'app' }]);
    await client.end();
    await screenshot(page, 'database-overview');

    // Settings: sleep, then wake, each followed live.
    await page.getByRole('tab', { name: 'Settings' }).click();
    await screenshot(page, 'database-settings');
    await page.getByTestId('sleep-button').click();
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('sleeping');
    await expect(new pg.Client({ connectionString: copied, connectionTimeoutMillis: 3000 }).connect()).rejects.toThrow();
    await page.getByTestId('wake-button').click();
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    const again = new pg.Client({ connectionString: copied });
    await again.connect();
    await again.end();

    // The list shows it, live.
    await open(page, '/databases');
    await expect.poll(() => page.getByRole('link', { name: 'shop' }).count()).toBeGreaterThan(0);
    await screenshot(page, 'databases-list');
    await open(page, '/dashboard');
    await expect.poll(() => page.getByText('shop').first().isVisible()).toBe(true);
    await screenshot(page, 'dashboard');
    await open(page, '/regions');
    await expect.poll(() => page.getByText('local').first().isVisible()).toBe(true);
    await screenshot(page, 'regions');

    // Delete: the button stays disabled until the name is typed exactly.
    await open(page, `/databases/${id}#settings`);
    await page.getByTestId('delete-button').click();
    const confirm = page.getByTestId('delete-confirm');
    await page.getByTestId('delete-confirm-input').fill('sho');
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByTestId('delete-confirm-input').fill('shop');
    await confirm.click();
    await page.waitForURL('**/databases');
    const gone = await page.evaluate(async (clusterId) => (await fetch(`/v1/clusters/${clusterId}`)).json(), id);
    expect(['deleting', 'deleted']).toContain(gone.cluster.status);
    expect(errors).toEqual([]);
    await context.close();
  }, 240_000);

  it("says on the database page what an operation waits for while the region's agent is away", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signUpInBrowser(page, uniqueEmail('waiting'), 'a long browser password');
    const id = await createDatabase(page, 'patient', suite.stack.localRegionId);
    await open(page, `/databases/${id}`);
    const status = page.getByTestId('cluster-status').locator('[data-status]');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');

    await suite.stack.stopAgent();
    try {
      await page.getByRole('tab', { name: 'Settings' }).click();
      await page.getByTestId('sleep-button').click();
      await page.getByRole('tab', { name: 'Overview' }).click();
      const waiting = page.getByTestId('operations').getByTestId('operation-waiting').first();
      await expect.poll(() => waiting.textContent(), { timeout: 30_000 }).toMatch(/Waiting for the region's agent, offline since \d{4}-/);
      await screenshot(page, 'database-waiting-for-agent');
    } finally {
      await suite.stack.startAgent();
    }
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('sleeping');
    expect(await page.getByTestId('operation-waiting').count()).toBe(0);
    await context.close();
  }, 180_000);

  it('says in words why a sign-in failed and what a form is missing', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await open(page, '/login');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByText('Enter your email address.').isVisible()).toBe(true);
    expect(await page.getByText('Enter your password.').isVisible()).toBe(true);
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Email').fill(uniqueEmail('nobody'));
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/email or password is incorrect/i);
    await screenshot(page, 'login-failed');

    await open(page, '/signup');
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Confirm password').fill('different');
    await page.getByRole('button', { name: /create account|sign up/i }).click();
    const alerts = await page.getByRole('alert').allTextContents();
    expect(alerts.join(' ')).toMatch(/email/i);
    expect(alerts.join(' ')).toMatch(/8 characters/i);
    expect(alerts.join(' ')).toMatch(/match/i);
    await screenshot(page, 'signup-invalid');
    await context.close();
  }, 60_000);

  it('lays the app out for a phone: bottom navigation, tables as cards, nothing wider than the screen', async () => {
    const context = await newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signUpInBrowser(page, uniqueEmail('phone'), 'a long phone password');
    await open(page, '/regions');
    await expect.poll(() => page.getByText('local').first().isVisible()).toBe(true);
    const nav = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
    expect(nav!.y + nav!.height).toBeGreaterThan(844 - 5);
    expect(nav!.width).toBeGreaterThan(380);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const header = page.locator('table thead').first();
    if (await header.count()) expect(await header.isVisible()).toBe(false);
    await screenshot(page, 'phone-regions');
    await open(page, '/databases/new');
    await page.getByLabel('Database name').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-create-database');
    await context.close();
  }, 90_000);

  it('passes axe (WCAG 2.1 A/AA: labels, contrast, names) on every page, with a sensible focus order', async () => {
    const context = await newContext();
    const page = await context.newPage();
    for (const path of ['/login', '/signup', '/forgot-password']) {
      await open(page, path);
      await page.locator('form').first().waitFor();
      expect({ path, violations: await axeViolations(page) }).toEqual({ path, violations: [] });
    }
    // Focus order on sign-in: skip link, email, password, show password, submit.
    await open(page, '/login');
    await page.locator('form').waitFor();
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return el?.getAttribute('name') ?? el?.textContent?.trim() ?? '';
      }));
    }
    expect(order).toEqual(['Skip to content', 'email', 'password', expect.stringMatching(/show password/i), 'Sign in']);

    await signUpInBrowser(page, uniqueEmail('axe'), 'a long axe password');
    const id = await createDatabase(page, 'axe-db', suite.stack.localRegionId);
    for (const path of ['/dashboard', '/databases', '/databases/new', '/regions', `/databases/${id}`, `/databases/${id}#backups`, `/databases/${id}#branches`, `/databases/${id}#settings`]) {
      await open(page, path);
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      expect({ path, violations: await axeViolations(page) }).toEqual({ path, violations: [] });
    }
    await context.close();
  }, 120_000);
  it('keeps a page current by polling when the realtime socket cannot open, and says so', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signUpInBrowser(page, uniqueEmail('polling'), 'a long polling password');
    const id = await createDatabase(page, 'polled', suite.stack.localRegionId);
    // Every realtime socket is refused from here on, as a proxy that strips WebSockets would.
    await page.routeWebSocket(/\/v1\/realtime/, (ws) => ws.close({ code: 1011, reason: 'blocked by the test' }));
    await open(page, `/databases/${id}`);
    const status = page.getByTestId('cluster-status').locator('[data-status]');
    await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 30_000 }).toBe('polling');
    expect(await page.locator('[data-connection]').textContent()).toMatch(/refreshing every 5 s/);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    // A change made elsewhere (the API) shows up without a reload.
    const slept = await page.evaluate(async (id) => (await fetch(`/v1/clusters/${id}/sleep`, { method: 'POST' })).status, id);
    expect(slept).toBe(202);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 30_000 }).toBe('sleeping');
    await screenshot(page, 'database-polling');
    await context.close();
  }, 120_000);

  it('switches organization from the header and signs out from the account menu', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signUpInBrowser(page, uniqueEmail('switch'), 'a long switch password');
    const second = await page.evaluate(async () => {
      const res = await fetch('/v1/organizations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Second Org' }) });
      return (await res.json()) as { organization: { id: string } };
    });
    await open(page, '/databases');
    await page.getByLabel('Organization').selectOption(second.organization.id);
    // The list now asks for the other organization's databases.
    const request = await page.waitForRequest((r) => r.url().includes('/v1/clusters') && r.url().includes(`org_id=${second.organization.id}`));
    expect(request.method()).toBe('GET');
    await open(page, '/dashboard');
    expect(await page.getByLabel('Organization').inputValue()).toBe(second.organization.id);

    await page.getByRole('button', { name: /account menu/i }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await page.goto('/dashboard');
    await page.waitForURL(/\/login\?next=%2Fdashboard/);
    await context.close();
  }, 90_000);
  it('takes an invited person from the mail link through sign-up into the organization', async () => {
    const owner = await newContext();
    const ownerPage = await owner.newPage();
    await signUpInBrowser(ownerPage, uniqueEmail('owner'), 'a long owner password');
    const invitee = uniqueEmail('invitee');
    const orgId = await ownerPage.evaluate(async (email) => {
      const me = (await (await fetch('/v1/auth/me')).json()) as { current_org_id: string };
      const res = await fetch(`/v1/organizations/${me.current_org_id}/invitations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, role: 'developer' }) });
      if (res.status !== 201) throw new Error(`invitation: ${res.status}`);
      return me.current_org_id;
    }, invitee);
    // The mail, as the invitee would open it (the dev mailbox holds what the local stack "sends").
    const inviteLink = async () => {
      const mails = (await (await fetch(`${suite.stack.url}/v1/dev/mailbox?to=${encodeURIComponent(invitee)}`)).json()) as { data: Array<{ text: string }> };
      return mails.data.map((m) => /https?:\/\/\S+\/invitations\/accept\?token=\S+/.exec(m.text)?.[0]).find(Boolean) ?? null;
    };
    await expect.poll(inviteLink).not.toBeNull();
    const link = new URL((await inviteLink())!);
    const context = await newContext();
    const page = await context.newPage();
    // Signed out: the page sends them to sign in, from where sign-up keeps the way back.
    await page.goto(link.pathname + link.search);
    await page.waitForURL(/\/login\?next=%2Finvitations%2Faccept/);
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.waitForURL(/\/signup\?next=%2Finvitations%2Faccept/);
    await hydrated(page);
    await page.getByLabel('Email').fill(invitee);
    await page.getByLabel('Password', { exact: true }).fill('a long invitee password');
    await page.getByLabel('Confirm password').fill('a long invitee password');
    await page.getByLabel(/I agree/).check();
    await page.getByRole('button', { name: /create account|sign up/i }).click();
    await page.waitForURL(/\/invitations\/accept/);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('You have joined');
    await page.getByRole('link', { name: 'Open its dashboard' }).click();
    await page.waitForURL('**/dashboard');
    await hydrated(page);
    await expect.poll(() => page.getByLabel('Organization').inputValue()).toBe(orgId);
    await screenshot(page, 'invitation-joined');
    await owner.close();
    await context.close();
  }, 90_000);
  it('keeps what was typed into sign-in before the page script loaded, and never submits it natively', async () => {
    const email = uniqueEmail('early');
    const registered = await fetch(`${suite.stack.url}/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'an early typist password' }) });
    expect(registered.status).toBe(201);
    const context = await newContext();
    const page = await context.newPage();
    // A slow network: the islands' scripts arrive a second and a half late.
    await page.route('**/_astro/*.js', async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await page.goto('/login', { waitUntil: 'domcontentloaded' });
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('an early typist password');
    // Enter before the script: nothing leaves the page (no GET with the password in the address).
    await page.getByLabel('Password', { exact: true }).press('Enter');
    expect(page.url()).not.toContain('password');
    await hydrated(page);
    expect(await page.getByLabel('Email').inputValue()).toBe(email);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/dashboard');
    await context.close();
  }, 60_000);
  it('sends every page with its security headers and a CSP allowing no inline script but its own, and Chromium reports no violation', async () => {
    const context = await newContext();
    // Every violation the pages raise, from the event (bound before any page script) and from the console.
    const violations: string[] = [];
    await context.exposeFunction('reportCspViolation', (line: string) => violations.push(line));
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { reportCspViolation: (line: string) => void }).reportCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} in ${e.documentURI}`);
      });
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/content security policy/i.test(message.text())) violations.push(message.text());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const documents = new Map<string, Record<string, string>>();
    page.on('response', (response) => {
      if (response.request().resourceType() === 'document') documents.set(new URL(response.url()).pathname, response.headers());
    });

    await open(page, '/login');
    await open(page, '/forgot-password');
    await signUpInBrowser(page, uniqueEmail('csp'), 'a long csp password');
    await hydrated(page);
    await page.goto('/');
    await page.waitForURL('**/dashboard');
    await hydrated(page);
    await open(page, '/databases');
    await open(page, '/databases/new');
    await page.getByLabel('Database name').waitFor();
    await open(page, '/regions');
    await expect.poll(() => page.getByText('local').first().isVisible()).toBe(true);
    const id = await createDatabase(page, 'csp-db', suite.stack.localRegionId);
    // The database page: the Worker's shell, its islands, and the realtime socket (connect-src 'self').
    await open(page, `/databases/${id}`);
    await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 30_000 }).toBe('live');
    await expect.poll(() => page.getByTestId('cluster-status').locator('[data-status]').getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    const missing = await page.goto('/no-such-page');
    expect(missing?.status()).toBe(404);
    await page.goto('/docs');
    await page.getByRole('heading', { level: 1 }).waitFor();

    expect([...documents.keys()].sort()).toEqual(
      ['/', '/dashboard', '/databases', `/databases/${id}`, '/databases/new', '/docs', '/forgot-password', '/login', '/no-such-page', '/regions', '/signup'].sort(),
    );
    for (const [path, headers] of documents) {
      const csp = headers['content-security-policy'] ?? '';
      // No 'unsafe-inline' anywhere in it, script-src included (where there is none, default-src 'none' governs scripts).
      expect({ path, csp: Boolean(csp), frameAncestors: csp.includes("frame-ancestors 'none'"), unsafeInline: csp.includes("'unsafe-inline'") }).toEqual({
        path,
        csp: true,
        frameAncestors: true,
        unsafeInline: false,
      });
      expect({ path, nosniff: headers['x-content-type-options'], referrer: headers['referrer-policy'], frame: headers['x-frame-options'], hsts: headers['strict-transport-security'] }).toEqual({
        path,
        nosniff: 'nosniff',
        referrer: 'strict-origin-when-cross-origin',
        frame: 'DENY',
        // Production only; this stack is plain http on localhost.
        hsts: undefined,
      });
    }
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);

    // The policy is really enforced, and a violation would have been seen: a script injected into the page is refused.
    await open(page, '/dashboard');
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
      return (window as unknown as { injected?: boolean }).injected === true;
    });
    expect(ran).toBe(false);
    await expect.poll(() => violations.some((v) => v.startsWith('script-src'))).toBe(true);
    // And no other site can frame a page.
    const framing = await context.newPage();
    const refused: string[] = [];
    framing.on('console', (message) => refused.push(message.text()));
    await framing.setContent(`<iframe src="${suite.origin}/login"></iframe>`);
    await expect.poll(() => refused.some((text) => text.includes("frame-ancestors 'none'"))).toBe(true);
    await context.close();
  }, 120_000);
});
