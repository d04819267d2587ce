// Every route of the API, registered in one place so the surface is visible at a glance.
import type { App } from '../app.ts';
import { registerHealth } from './v1/health.ts';
import { registerLogin } from './v1/auth/login.ts';
import { registerMe } from './v1/auth/me.ts';
import { registerRegister } from './v1/auth/register.ts';

export function registerRoutes(app: App): void {
  registerHealth(app);
  registerRegister(app);
  registerLogin(app);
  registerMe(app);
}
