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

export const idParam = (name: string, example: string) =>
  z.string().min(1).max(64).openapi({ param: { name, in: 'path' }, example });
