import { expect, test } from 'vitest';
import { Backoff, sleep } from './backoff.ts';

test('full jitter under a ceiling that doubles up to the cap, and reset starts over', () => {
  const highest = new Backoff({ baseMs: 250, capMs: 30_000 }, () => 0.999999);
  expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map(() => highest.next())).toEqual([249, 499, 999, 1999, 3999, 7999, 15999, 29999, 29999]);
  highest.reset();
  expect(highest.next()).toBe(249);
  const random = new Backoff({ baseMs: 250, capMs: 30_000 });
  for (let i = 0; i < 200; i++) {
    const delay = random.next();
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(30_000);
  }
});

test('sleep ends early when aborted', async () => {
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(), 20);
  await sleep(10_000, controller.signal);
  expect(Date.now() - started).toBeLessThan(1000);
});
