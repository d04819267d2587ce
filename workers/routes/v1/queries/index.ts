// Statements run through the SQL editor (POST /v1/clusters/{id}/query), by their query_id.
import { openApiApp } from '../../define-route.ts';
import { cancelQuery } from './cancel.ts';

export const queryRoutes = openApiApp().openapi(cancelQuery.route, cancelQuery.handler);
