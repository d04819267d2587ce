// Shapes shared by every resource: list parameters and envelopes, timestamps, roles.
import { z } from '@hono/zod-openapi';
import { plans, roles } from '../../protocol/enums.ts';
import { timestampSchema } from '../../protocol/resources.ts';

export const timestamp = timestampSchema;

export const roleSchema = z.enum(roles).openapi('Role');
export const planSchema = z.enum(plans).openapi('Plan');

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

// Unicode's control characters (category Cc) as ranges, not \p{Cc}: \p needs the u flag, which the OpenAPI
// document cannot carry (its converter wrote "/u" into the published pattern, which then matched nothing), and
// a pattern must mean the same to JSON Schema tools that read it with or without that flag. So no flags here.
const CONTROL = String.raw`\x00-\x1f\x7f-\x9f`;
// The check runs on the trimmed value; the document publishes it for the value as sent, so it also lets through
// the whitespace (line breaks included) that trimming removes at either end. The middle part starts and ends with
// a character that is not whitespace, so there is one way to match and no long backtracking (linear on 1 MiB).
const DISPLAY_NAME_PATTERN = new RegExp(String.raw`^\s*(?:[^\s${CONTROL}](?:[^${CONTROL}]*[^\s${CONTROL}])?\s*)?$`);

/** A name people give a resource: trimmed, one line, no control characters (Postgres text cannot hold NUL). */
export const displayName = (max: number) =>
  z.string().trim().min(1).max(max).regex(DISPLAY_NAME_PATTERN, 'no control characters');
