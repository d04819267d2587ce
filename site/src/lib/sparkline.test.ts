import { expect, it } from 'vitest';
import { sparklinePath } from './sparkline.ts';

it('scales a series into the box, lowest at the bottom, breaks the line at gaps and dots lone points', () => {
  expect(sparklinePath([0, 10, null, 5], 30, 12)).toBe('M0 11 L10 1 M30 6 L30 6');
  // A flat series is drawn through the middle; a lone point as a dot at the newest end; nothing, nothing.
  expect(sparklinePath([3, 3], 10, 10)).toBe('M0 5 L10 5');
  expect(sparklinePath([1], 10, 10)).toBe('M10 5 L10 5');
  expect(sparklinePath([null, null], 10, 10)).toBe('');
});
