// Clusters and their lifecycle, in-place restores, restore windows and branches.
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
  .openapi(listBranches.route, listBranches.handler);
