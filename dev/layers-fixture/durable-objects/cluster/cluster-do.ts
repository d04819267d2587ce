// Deliberate violation: a Durable Object imports a route.
import { route } from '../../workers/routes/route.ts';
export class ClusterDO {
  readonly route = route;
}
