import { z } from '@hono/zod-openapi';
import { displayName, idParam, idSchema, listQuerySchema, listResponse, timestamp } from './common.ts';

export const projectNameSchema = displayName(64);

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
    org_id: idSchema.optional().openapi({ description: 'Defaults to the organization of the session' }),
  })
  .strict()
  .openapi('CreateProject');

export const updateProjectSchema = z.object({ name: projectNameSchema }).strict().openapi('UpdateProject');

export const projectResponseSchema = z.object({ project: projectSchema }).openapi('ProjectResponse');
export const projectListSchema = listResponse(projectSchema).openapi('ProjectList');

export const projectListQuerySchema = listQuerySchema.extend({
  org_id: idSchema
    .optional()
    .openapi({ param: { name: 'org_id', in: 'query' }, description: 'Defaults to the organization of the session' }),
});

export const projectParamsSchema = z.object({ id: idParam('id', 'prj_01jd3k5x8r2m9q7v4w6y0z1a2b') });
