import { describe, expect, it } from 'vitest';
import { bytes, duration } from './format.ts';

describe('sizes and durations in words', () => {
  it('formats sizes in powers of 1024', () => {
    expect(bytes(0)).toBe('0 B');
    expect(bytes(1023)).toBe('1023 B');
    expect(bytes(1536)).toBe('1.5 KB');
    expect(bytes(12_345)).toBe('12 KB');
    expect(bytes(2.1 * 1024 ** 3)).toBe('2.1 GB');
    expect(bytes(1024 ** 2 - 1)).toBe('1 MB');
    expect(bytes(5 * 1024 ** 6)).toBe('5,120 PB');
  });

  it('formats durations from milliseconds to hours', () => {
    expect(duration(850)).toBe('850 ms');
    expect(duration(12_400)).toBe('12 s');
    expect(duration(185_000)).toBe('3 min 5 s');
    expect(duration(2 * 3600_000 + 5 * 60_000 + 10_000)).toBe('2 h 5 min');
  });
});
