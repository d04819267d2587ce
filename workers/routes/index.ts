// The whole API: one sub-app per resource (workers/routes/v1/<resource>/index.ts), mounted here. `ApiApp`, the type
// of this chain, is what Hono's typed client sees (`hc<ApiApp>`: the dashboard's client is one).
import { openApiApp } from './define-route.ts';
import { agentRoutes } from './v1/agent/index.ts';
import { apiKeyRoutes } from './v1/api-keys/index.ts';
import { authRoutes } from './v1/auth/index.ts';
import { backupRoutes } from './v1/backups/index.ts';
import { clusterRoutes } from './v1/clusters/index.ts';
import { devRoutes } from './v1/dev/index.ts';
import { health } from './v1/health.ts';
import { invitationRoutes } from './v1/invitations/index.ts';
import { operationRoutes } from './v1/operations/index.ts';
import { organizationRoutes } from './v1/organizations/index.ts';
import { projectRoutes } from './v1/projects/index.ts';
import { queryRoutes } from './v1/queries/index.ts';
import { realtimeRoutes } from './v1/realtime.ts';
import { regionRoutes } from './v1/regions/index.ts';
import { webhookRoutes } from './v1/webhooks/index.ts';

export const routes = openApiApp()
  .openapi(health.route, health.handler)
  .route('/', authRoutes)
  .route('/', devRoutes)
  .route('/', organizationRoutes)
  .route('/', invitationRoutes)
  .route('/', projectRoutes)
  .route('/', apiKeyRoutes)
  .route('/', realtimeRoutes)
  .route('/', regionRoutes)
  .route('/', agentRoutes)
  .route('/', clusterRoutes)
  .route('/', backupRoutes)
  .route('/', operationRoutes)
  .route('/', queryRoutes)
  .route('/', webhookRoutes);

export type ApiApp = typeof routes;
