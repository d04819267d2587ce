import { describe, test } from 'vitest';
import { runLocalDriverLifecycle } from '../../testing/local-driver-suite.ts';
import { findNativeInstallations } from './native-binaries.ts';

// CI installs PostgreSQL and must run this; a developer machine without it skips.
const hasNative = (await findNativeInstallations()).length > 0;

describe.skipIf(!hasNative && process.env.CI !== 'true')('local driver, native PostgreSQL', () => {
  test('create, connect, wrong password, sleep, wake, rotate, resize, delete', async () => {
    await runLocalDriverLifecycle('native');
  }, 90_000);
});
