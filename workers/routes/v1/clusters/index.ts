// Clusters and their lifecycle, in-place restores, restore windows and branches; their metrics, health history, logs,
// SQL, schema and query insights.
import { openApiApp } from '../../define-route.ts';
import { listClusters } from './list.ts';
import { createCluster } from './create.ts';
import { getCluster } from './get.ts';
import { updateCluster } from './update.ts';
import { deleteCluster, sleepCluster, wakeCluster } from './lifecycle.ts';
import { clusterConnection } from './connection.ts';
import { rotatePassword } from './rotate-password.ts';
import { listClusterEvents } from './events.ts';
import { clusterHealth } from './health.ts';
import { restoreCluster } from './restore.ts';
import { clusterRestoreWindow } from './restore-window.ts';
import { listBranches } from './branches.ts';
import { clusterMetrics } from './metrics.ts';
import { clusterHealthHistory } from './health-history.ts';
import { clusterLogs } from './logs.ts';
import { runClusterQuery } from './query.ts';
import { clusterDatabaseSchema } from './schema.ts';
import { clusterInsights, resetClusterInsights } from './insights.ts';

export const clusterRoutes = openApiApp()
  .openapi(listClusters.route, listClusters.handler)
  .openapi(createCluster.route, createCluster.handler)
  .openapi(getCluster.route, getCluster.handler)
  .openapi(updateCluster.route, updateCluster.handler)
  .openapi(deleteCluster.route, deleteCluster.handler)
  .openapi(sleepCluster.route, sleepCluster.handler)
  .openapi(wakeCluster.route, wakeCluster.handler)
  .openapi(clusterConnection.route, clusterConnection.handler)
  .openapi(rotatePassword.route, rotatePassword.handler)
  .openapi(listClusterEvents.route, listClusterEvents.handler)
  .openapi(clusterHealth.route, clusterHealth.handler)
  .openapi(restoreCluster.route, restoreCluster.handler)
  .openapi(clusterRestoreWindow.route, clusterRestoreWindow.handler)
  .openapi(listBranches.route, listBranches.handler)
  .openapi(clusterMetrics.route, clusterMetrics.handler)
  .openapi(clusterHealthHistory.route, clusterHealthHistory.handler)
  .openapi(clusterLogs.route, clusterLogs.handler)
  .openapi(runClusterQuery.route, runClusterQuery.handler)
  .openapi(clusterDatabaseSchema.route, clusterDatabaseSchema.handler)
  .openapi(clusterInsights.route, clusterInsights.handler)
  .openapi(resetClusterInsights.route, resetClusterInsights.handler);
