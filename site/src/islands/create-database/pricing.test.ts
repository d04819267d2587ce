// What a size costs, as the size choices and the summary show it.
import { describe, expect, it } from 'vitest';
import { HOURS_PER_MONTH, pricePerHour, pricePerMonth } from './pricing.ts';

describe('the price of a size', () => {
  it('is the list price per hour, and 730 hours of it a month', () => {
    expect(pricePerHour('dev')).toBe(0.02);
    expect(pricePerHour('4xlarge')).toBe(3.2);
    expect(HOURS_PER_MONTH).toBe(730);
    expect(pricePerMonth('small')).toBeCloseTo(73);
  });
});
