// Shapes shared by every resource: list parameters and envelopes, timestamps, roles.
import { z } from '@hono/zod-openapi';

export const timestamp = z.string().datetime().openapi({ example: '2026-11-21T12:00:00.000Z' });

export const roleSchema = z.enum(['owner', 'admin', 'developer', 'viewer', 'billing']).openapi('Role');
export type Role = z.infer<typeof roleSchema>;

export const planSchema = z.enum(['free', 'pro', 'team', 'enterprise']).openapi('Plan');
export type Plan = z.infer<typeof planSchema>;

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ param: { name: 'limit', in: 'query' }, example: 20 }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'next_cursor from the previous page' }),
});
export type ListQuery = z.infer<typeof listQuerySchema>;

export function listResponse<T extends z.ZodTypeAny>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}

// Ids are printable ASCII. Anything else (a NUL byte, which Postgres text cannot hold) must be a 400, not a 500.
export const idSchema = z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'not a valid id');

export const idParam = (name: string, example: string) => idSchema.openapi({ param: { name, in: 'path' }, example });

/** A name people give a resource: trimmed, one line, no control characters (Postgres text cannot hold NUL). */
export const displayName = (max: number) =>
  z.string().trim().min(1).max(max).regex(/^[^\p{Cc}]*$/u, 'no control characters');
