// Backups of clusters: listing, taking one now, reading and deleting one.
import { openApiApp } from '../../define-route.ts';
import { createBackup } from './create.ts';
import { deleteBackup } from './delete.ts';
import { getBackup } from './get.ts';
import { listBackups } from './list.ts';

export const backupRoutes = openApiApp()
  .openapi(listBackups.route, listBackups.handler)
  .openapi(createBackup.route, createBackup.handler)
  .openapi(getBackup.route, getBackup.handler)
  .openapi(deleteBackup.route, deleteBackup.handler);
