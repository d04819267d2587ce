// How far a new database has got, from its create operation and its status, in the words the progress shows.
import type { Operation } from '../../../../protocol/resources.ts';

/** The work is in the region's hands: from here the database's page shows the rest. */
export const isHandedOver = (operation: Operation['status'], cluster: string): boolean =>
  operation === 'running' || operation === 'finished' || cluster === 'running';

/** Failed or cancelled: this operation will not create the database. */
export const isFailed = (operation: Operation['status']): boolean => operation === 'failed' || operation === 'cancelled';

/** What the create operation's status means here: `running` is the command handed to the region, where it waits
 * for the region's agent if that is not connected (durable-objects/cluster.ts, dispatch). */
export function stepWords(status: Operation['status'], regionName: string, agentAway: boolean): string {
  switch (status) {
    case 'pending':
      return `Accepted; handing the work to ${regionName}`;
    case 'running':
      return agentAway ? `Handed to ${regionName}, where it waits for the agent to connect` : `Handed to ${regionName}: its agent is creating the database`;
    case 'finished':
      return 'Created';
    case 'failed':
      return 'Creating the database failed';
    case 'cancelled':
      return 'Creating the database was cancelled';
  }
}
