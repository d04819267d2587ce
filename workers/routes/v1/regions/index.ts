// Regions and their agents' install.
import { openApiApp } from '../../define-route.ts';
import { listRegions } from './list.ts';
import { createRegion } from './create.ts';
import { getRegion } from './get.ts';
import { deleteRegion } from './delete.ts';
import { regionRegistrationToken } from './registration-token.ts';
import { regionInstallYaml } from './install-yaml.ts';

export const regionRoutes = openApiApp()
  .openapi(listRegions.route, listRegions.handler)
  .openapi(createRegion.route, createRegion.handler)
  .openapi(getRegion.route, getRegion.handler)
  .openapi(deleteRegion.route, deleteRegion.handler)
  .openapi(regionRegistrationToken.route, regionRegistrationToken.handler)
  .openapi(regionInstallYaml.route, regionInstallYaml.handler);
