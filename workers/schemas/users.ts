import { z } from '@hono/zod-openapi';
import { timestamp } from './common.ts';

export const userSchema = z
  .object({
    id: z.string().openapi({ example: 'usr_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
    email: z.string().email(),
    name: z.string().nullable(),
    email_verified: z.boolean(),
    mfa_enabled: z.boolean(),
    created_at: timestamp,
  })
  .openapi('User');
export type User = z.infer<typeof userSchema>;
