import { z } from '@hono/zod-openapi';
import { emailSchema } from './auth.ts';
import { idSchema, timestamp } from './common.ts';

export const mailboxQuerySchema = z.object({
  to: emailSchema.openapi({ param: { name: 'to', in: 'query' }, example: 'ada@example.com' }),
});

export const devMailSchema = z
  .object({
    id: z.string(),
    to: z.string(),
    subject: z.string(),
    text: z.string(),
    created_at: timestamp,
    sent_at: timestamp.nullable().openapi({ description: 'When the mail queue delivered it; null while queued' }),
  })
  .openapi('DevMail');

export const mailboxSchema = z.object({ data: z.array(devMailSchema) }).openapi('DevMailbox');

export const restartObjectsSchema = z
  .object({
    region_ids: z.array(idSchema).max(20).default([]),
    cluster_ids: z.array(idSchema).max(200).default([]),
  })
  .strict()
  .openapi('RestartObjects');

export const restartedObjectsSchema = z.object({ restarted: z.number().int() }).openapi('RestartedObjects');
