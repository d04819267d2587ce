import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Logs of passing tests are noise; a failing test shows its own.
    silent: 'passed-only',
    projects: [
      {
        // The Worker, its Durable Objects and queue consumers inside workerd, against a real catalog.
        plugins: [
          cloudflareTest(({ inject }) => {
            const catalog = inject('catalog');
            const secrets = inject('secrets');
            return {
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                bindings: {
                  DATABASE_URL: catalog.databaseUrl,
                  DB_WS_PROXY: catalog.wsProxy,
                  JWT_PRIVATE_KEY: secrets.JWT_PRIVATE_KEY,
                  ENCRYPTION_KEY: secrets.ENCRYPTION_KEY,
                  ENVIRONMENT: 'test',
                  APP_URL: 'http://localhost:8787',
                  // Tests make thousands of calls as one user or address: limits x1000, never reached. The
                  // rate limit tests pass their own scale per request (workers/middleware/rate-limit.test.ts).
                  RATE_LIMIT_SCALE: '1000',
                },
              },
            };
          }),
        ],
        test: {
          name: 'workers',
          include: ['core/**/*.test.ts', 'workers/**/*.test.ts', 'durable-objects/**/*.test.ts', 'queues/**/*.test.ts'],
          // Worker code checked with tools that workerd cannot host (ajv compiles with `new Function`).
          exclude: [...configDefaults.exclude, '**/*.node.test.ts'],
          globalSetup: ['./dev/test-global-setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['protocol/**/*.test.ts', 'dev/**/*.test.ts', 'drizzle/**/*.test.ts', 'agent/**/*.test.ts', 'cli/**/*.test.ts', 'e2e/**/*.test.ts', 'site/**/*.test.ts', 'workers/**/*.node.test.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
