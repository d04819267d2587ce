// The Overview tab: what the database is (status, health, plan and price, storage, instances), how to connect to
// it, how it is doing (sparklines of the last hour, health over the last day), and what happened to it lately.
import { SIZE_TABLE } from '../../../../protocol/sizes.ts';
import { dateTime, gb, timeAgo, usd } from '../../lib/format.ts';
import { StatusDot } from '../../components/ui.tsx';
import { EventList, OperationList } from './Activity.tsx';
import { ConnectionWidget } from './ConnectionWidget.tsx';
import { lazy, Suspense } from 'react';
import { engineLabel, healthLabel, type Cluster, type ClusterEvent, type Operation } from './model.ts';

// Sparklines and the health history come after the page's first load, in their own chunk.
const OverviewMonitoring = lazy(() => import('./OverviewMonitoring.tsx').then((m) => ({ default: m.OverviewMonitoring })));

interface Props {
  cluster: Cluster;
  regionName: string;
  operations: Operation[] | null;
  events: ClusterEvent[] | null;
  listErrors: { operations?: string; events?: string };
  onGoToSettings: () => void;
  onGoToMetrics: () => void;
}

export function Overview({ cluster, regionName, operations, events, listErrors, onGoToSettings, onGoToMetrics }: Props) {
  const spec = SIZE_TABLE[cluster.size];
  // A finished rotation changes the password: revealed values read before it are stale.
  const lastRotation = operations?.find((o) => o.action === 'rotate_password' && o.status === 'finished')?.id ?? 'none';
  return (
    <div className="db-overview">
      <section className="card" aria-labelledby="details-heading">
        <h2 id="details-heading">Details</h2>
        <dl className="db-details">
          <div>
            <dt>Status</dt>
            <dd>
              <StatusDot status={cluster.status} />
              {cluster.status_message && cluster.status !== 'running' ? <span className="muted db-status-message">{cluster.status_message}</span> : null}
            </dd>
          </div>
          <div>
            <dt>Health</dt>
            <dd>
              <span className={`db-health db-health-${cluster.health}`}>{healthLabel(cluster.health)}</span>
              <span className="muted">
                {' '}
                · {cluster.ready_instances} of {cluster.instances} ready
              </span>
            </dd>
          </div>
          <div>
            <dt>Region</dt>
            <dd>{regionName}</dd>
          </div>
          <div>
            <dt>Engine</dt>
            <dd>{engineLabel(cluster)}</dd>
          </div>
          <div>
            <dt>Plan</dt>
            <dd>
              <strong>{cluster.size}</strong>
              <span className="muted">
                {' '}
                · {spec.vcpu} vCPU · {gb(spec.memory_gb)} RAM · {spec.max_connections} connections
              </span>
            </dd>
          </div>
          <div>
            <dt>Price</dt>
            <dd>
              {usd(spec.price_per_hour_usd * cluster.instances)} per hour
              {cluster.instances > 1 ? <span className="muted"> ({usd(spec.price_per_hour_usd)} × {cluster.instances} instances)</span> : null}
            </dd>
          </div>
          <div>
            <dt>Storage</dt>
            <dd>{gb(cluster.storage_gb)}</dd>
          </div>
          <div>
            <dt>Instances</dt>
            <dd>{cluster.instances}</dd>
          </div>
          <div>
            <dt>Tier</dt>
            <dd>{cluster.tier === 'serverless' ? 'Serverless' : 'Dedicated'}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>
              <time dateTime={cluster.created_at} title={dateTime(cluster.created_at)}>
                {dateTime(cluster.created_at)}
              </time>
              <span className="muted"> ({timeAgo(cluster.created_at)})</span>
            </dd>
          </div>
        </dl>
      </section>

      <ConnectionWidget cluster={cluster} credentialsKey={lastRotation} onGoToSettings={onGoToSettings} />

      <Suspense fallback={null}>
        <OverviewMonitoring cluster={cluster} onGoToMetrics={onGoToMetrics} />
      </Suspense>

      <div className="db-activity">
        <section className="card" aria-labelledby="operations-heading">
          <h2 id="operations-heading">Recent operations</h2>
          <OperationList operations={operations} error={listErrors.operations} />
        </section>
        <section className="card" aria-labelledby="events-heading">
          <h2 id="events-heading">Recent events</h2>
          <EventList events={events} error={listErrors.events} />
        </section>
      </div>
    </div>
  );
}
