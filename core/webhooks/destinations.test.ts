import { describe, expect, it } from 'vitest';
import { refusedDestination } from './destinations.ts';
import { retryDelaySeconds, shouldDisable } from './failures.ts';
import { filterMatches, isValidFilter } from './events.ts';

describe('the webhook SSRF guard in production', () => {
  const refused = [
    'https://127.0.0.1/hook',
    'https://127.1.2.3:8443/hook',
    'https://2130706433/hook', // 127.0.0.1 as one decimal number
    'https://0x7f000001/hook',
    'https://0177.0.0.1/hook', // octal
    'https://localhost/hook',
    'https://LOCALHOST./hook',
    'https://api.localhost/hook',
    'https://0.0.0.0/hook',
    'https://10.1.2.3/hook',
    'https://172.16.0.1/hook',
    'https://172.31.255.255/hook',
    'https://192.168.1.10/hook',
    'https://100.64.0.1/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://169.254.1.1/hook',
    'https://224.0.0.1/hook',
    'https://255.255.255.255/hook',
    'https://[::1]/hook',
    'https://[::]/hook',
    'https://[fe80::1]/hook',
    'https://[fd00:ec2::254]/hook',
    'https://[fc00::1]/hook',
    'https://[ff02::1]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[::ffff:169.254.169.254]/hook',
    'https://[64:ff9b::10.0.0.1]/hook',
    'http://example.com/hook', // not https
    'ftp://example.com/hook',
    'https://user:pass@example.com/hook',
    'not a url',
  ];
  for (const url of refused) {
    it(`refuses ${url}`, () => {
      expect(refusedDestination(url, false)).not.toBeNull();
    });
  }

  const allowed = ['https://example.com/hook', 'https://hooks.example.com:8443/a?b=c', 'https://8.8.8.8/hook', 'https://172.32.0.1/hook', 'https://[2606:4700::1111]/hook', 'https://[::ffff:8.8.8.8]/hook'];
  for (const url of allowed) {
    it(`allows ${url}`, () => {
      expect(refusedDestination(url, false)).toBeNull();
    });
  }

  it('outside production allows loopback and private http destinations, never other schemes or credentials', () => {
    expect(refusedDestination('http://127.0.0.1:8123/hook', true)).toBeNull();
    expect(refusedDestination('http://localhost:3000/hook', true)).toBeNull();
    expect(refusedDestination('file:///etc/passwd', true)).not.toBeNull();
    expect(refusedDestination('http://a:b@127.0.0.1/', true)).not.toBeNull();
  });
});

describe('webhook event filters', () => {
  it('validates entries and matches exact types, groups and everything', () => {
    expect(['cluster.*', 'operation.updated', '*', 'backup.*'].every(isValidFilter)).toBe(true);
    expect(['cluster', 'cluster.nope', 'billing.*', 'cluster.**', ''].some(isValidFilter)).toBe(false);
    expect(filterMatches([], 'backup.updated')).toBe(true);
    expect(filterMatches(['cluster.*'], 'cluster.updated')).toBe(true);
    expect(filterMatches(['cluster.*'], 'operation.updated')).toBe(false);
    expect(filterMatches(['operation.updated'], 'operation.updated')).toBe(true);
    expect(filterMatches(['backup.*'], 'webhook.test')).toBe(true);
  });
});

describe('disabling a failing endpoint', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
  it('takes both ten failed attempts in a row and a day of failing', () => {
    expect(shouldDisable(10, hoursAgo(24), now)).toBe(true);
    expect(shouldDisable(9, hoursAgo(48), now)).toBe(false);
    expect(shouldDisable(50, hoursAgo(23), now)).toBe(false);
  });

  it('retries after 5 s, then three times longer each time, at most 2 h apart: about 7.5 h over the queue’s 10 retries', () => {
    const delays = Array.from({ length: 10 }, (_, i) => retryDelaySeconds(i + 1));
    expect(delays).toEqual([5, 15, 45, 135, 405, 1215, 3645, 7200, 7200, 7200]);
    expect(delays.reduce((a, b) => a + b, 0) / 3600).toBeCloseTo(7.52, 1);
  });
});
