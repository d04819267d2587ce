// The Worker's environment, parsed once per isolate so a missing or malformed setting fails loudly at the
// first request instead of deep inside a handler.
import { z } from 'zod';
import { plans } from '../protocol/enums.ts';

/** The plain settings of the platform, as the Worker's environment carries them (vars and secrets). */
export interface PlatformVars {
  DATABASE_URL: string;
  DB_WS_PROXY?: string;
  JWT_PRIVATE_KEY: string;
  ENCRYPTION_KEY: string;
  ENVIRONMENT: string;
  APP_URL: string;
  DEFAULT_PLAN?: string;
  RATE_LIMIT_SCALE?: string;
}

const settingsSchema = z.object({
  DATABASE_URL: z.string().url({ message: 'DATABASE_URL must be a postgres:// URL' }),
  // host:port of the local WebSocket-to-TCP bridge; set only by the local stack and the tests.
  DB_WS_PROXY: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'DB_WS_PROXY must be host:port')
    .optional(),
  JWT_PRIVATE_KEY: z.string().min(1, 'JWT_PRIVATE_KEY (an ES256 private JWK) is required'),
  ENCRYPTION_KEY: z.string().min(1, 'ENCRYPTION_KEY (32 random bytes, base64) is required'),
  ENVIRONMENT: z.enum(['development', 'test', 'production']),
  APP_URL: z.string().url(),
  // The plan every new organization starts on: `free` in production, a bigger one for a local stack to try things.
  DEFAULT_PLAN: z.enum(plans).default('free'),
  // Multiplies every API rate limit (workers/lib/api-rate-limits.ts): 1 in production; the test suite and the
  // benchmark raise it so one address or user making thousands of calls is not refused.
  RATE_LIMIT_SCALE: z.coerce.number().positive('RATE_LIMIT_SCALE must be a positive number').default(1),
});

export type Settings = z.infer<typeof settingsSchema>;

let cached: { source: PlatformVars; settings: Settings } | null = null;

export function parseSettings(env: PlatformVars): Settings {
  if (cached?.source === env) return cached.settings;
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid Worker configuration: ${problems}`);
  }
  cached = { source: env, settings: parsed.data };
  return parsed.data;
}

/** Local-only conveniences (the dev mailbox) exist only outside production. */
export function isLocal(settings: Settings): boolean {
  return settings.ENVIRONMENT !== 'production';
}
