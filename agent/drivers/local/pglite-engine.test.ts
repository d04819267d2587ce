import { test } from 'vitest';
import { runLocalDriverLifecycle } from '../../testing/local-driver-suite.ts';

test('local driver, PGlite: create, connect, wrong password, sleep, wake, rotate, resize, delete', async () => {
  await runLocalDriverLifecycle('pglite');
}, 120_000);
