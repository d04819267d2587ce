import { z } from '@hono/zod-openapi';
import { timestamp } from './common.ts';

export const projectNameSchema = z.string().trim().min(1).max(64);

export const projectSchema = z
  .object({
    id: z.string().openapi({ example: 'prj_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
    org_id: z.string(),
    name: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi('Project');
export type Project = z.infer<typeof projectSchema>;

export const createProjectSchema = z
  .object({
    name: projectNameSchema,
    org_id: z.string().max(64).optional().openapi({ description: 'Defaults to the organization of the session' }),
  })
  .strict()
  .openapi('CreateProject');

export const updateProjectSchema = z.object({ name: projectNameSchema }).strict().openapi('UpdateProject');
