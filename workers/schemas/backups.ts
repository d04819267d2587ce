// Backups: what the routes take and answer. The backup itself is protocol/resources.ts's shape, shared with realtime.
import { z } from '@hono/zod-openapi';
import { backupSchema, clusterSchema, operationSchema } from '../../protocol/resources.ts';
import { idSchema, listQuerySchema, listResponse } from './common.ts';

export const backupParamsSchema = z.object({
  id: idSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'bk_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
});

export const backupListQuerySchema = listQuerySchema;
export const backupListSchema = listResponse(backupSchema).openapi('BackupList');

export const backupStartedSchema = z
  .object({ cluster: clusterSchema, operation: operationSchema, backup: backupSchema })
  .openapi('BackupStarted');

