// Operations on clusters.
import { openApiApp } from '../../define-route.ts';
import { listOperations } from './list.ts';
import { getOperation } from './get.ts';

export const operationRoutes = openApiApp()
  .openapi(listOperations.route, listOperations.handler)
  .openapi(getOperation.route, getOperation.handler);
