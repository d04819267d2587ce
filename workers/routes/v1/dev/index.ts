// The local stack only: the dev mailbox and the restart hook of the chaos run.
import { openApiApp } from '../../define-route.ts';
import { devMailbox } from './mailbox.ts';
import { devRestartObjects } from './restart-objects.ts';

export const devRoutes = openApiApp()
  .openapi(devMailbox.route, devMailbox.handler)
  .openapi(devRestartObjects.route, devRestartObjects.handler);
