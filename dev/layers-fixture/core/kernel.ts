// Deliberate violation: the kernel imports a route.
import { route } from '../workers/routes/route.ts';
export const kernel = route;
