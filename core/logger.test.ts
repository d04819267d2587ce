import { afterEach, describe, expect, it, vi } from 'vitest';
import { log, redact } from './logger.ts';

afterEach(() => vi.restoreAllMocks());

describe('the logger', () => {
  it('writes one JSON object per line with the fields given', () => {
    const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    log('info', 'cluster created', { cluster_id: 'cl_1', ms: 12 });
    const line = JSON.parse(spy.mock.calls[0]![0] as string);
    expect(line).toMatchObject({ level: 'info', msg: 'cluster created', cluster_id: 'cl_1', ms: 12 });
    expect(Date.parse(line.time)).not.toBeNaN();
  });

  it('never writes the value of a secret-looking field, at any depth', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    log('error', 'oops', {
      password: 'hunter2-hunter2',
      refresh_token: 'rt_abc',
      nested: { authorization: 'Bearer x', list: [{ api_key: 'orochi_sk_live_1', ENCRYPTION_KEY: 'k' }], region_id: 'rg_1' },
      password_sealed: 'v1.a.b',
    });
    const text = spy.mock.calls[0]![0] as string;
    for (const secret of ['hunter2', 'rt_abc', 'Bearer x', 'orochi_sk_live_1', 'v1.a.b', '"k"']) expect(text).not.toContain(secret);
    expect(JSON.parse(text).nested.region_id).toBe('rg_1');
  });

  it('cuts cycles and keeps errors to their name and message', () => {
    const loop: Record<string, unknown> = { id: 'x' };
    loop.self = loop;
    expect(redact({ loop, error: new Error('boom') })).toEqual({ loop: { id: 'x', self: '[…]' }, error: { name: 'Error', message: 'boom' } });
  });
});
