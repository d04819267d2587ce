// The theme tokens meet WCAG 2.1 AA contrast on every background they are used on: 4.5:1 for text, 3:1 for the
// focus ring and status colours (non-text, always shown beside their word).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const css = readFileSync(new URL('./global.css', import.meta.url), 'utf8');
const tokens = Object.fromEntries([...css.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1]!, m[2]!]));

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const backgrounds = ['bg-primary', 'bg-secondary', 'bg-tertiary', 'bg-elevated'];

it('has text tokens readable on every background (>= 4.5:1)', () => {
  for (const text of ['text-primary', 'text-secondary', 'text-tertiary', 'accent-primary-text', 'accent-error-text']) {
    for (const bg of backgrounds) {
      expect({ text, bg, ok: contrast(tokens[text]!, tokens[bg]!) >= 4.5 }).toEqual({ text, bg, ok: true });
    }
  }
});

it('has a focus ring and status colours visible on every background (>= 3:1)', () => {
  for (const mark of ['focus-ring', 'status-running', 'status-provisioning', 'status-error', 'accent-warning']) {
    for (const bg of backgrounds) {
      expect({ mark, bg, ok: contrast(tokens[mark]!, tokens[bg]!) >= 3 }).toEqual({ mark, bg, ok: true });
    }
  }
});

it('keeps white text on the primary and danger buttons readable', () => {
  expect(contrast('#ffffff', '#2563eb')).toBeGreaterThanOrEqual(4.5);
  expect(contrast('#ffffff', '#b91c1c')).toBeGreaterThanOrEqual(4.5);
});
