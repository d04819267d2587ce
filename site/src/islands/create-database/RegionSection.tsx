// Where the database runs: the organization's regions with the state of each one's agent. A region whose agent is
// away can still be chosen; the database is created once the agent connects, and the form says so.
import { Notice, Spinner, StatusDot } from '../../components/ui.tsx';
import type { RegionRow } from '../../lib/regions.ts';
import { FIELD_INPUTS } from './fields.ts';
import type { RegionList } from './region-list.ts';

interface Props {
  orgName: string;
  list: RegionList;
  regionId: string;
  /** The chosen region, when it is in the list. */
  region: RegionRow | undefined;
  error: string | null;
  onRegion: (regionId: string) => void;
}

export function RegionSection({ orgName, list, regionId, region, error, onRegion }: Props) {
  const away = region !== undefined && region.status !== 'online';
  return (
    <section className="card create-section">
      <fieldset
        className="choices"
        id={FIELD_INPUTS.region_id}
        tabIndex={-1}
        aria-describedby={[error ? 'db-region-error' : null, away ? 'db-region-warning' : null].filter(Boolean).join(' ') || undefined}
      >
        <legend>Region</legend>
        {list.error ? (
          <Notice>
            <p className="db-error-text">Could not load the regions: {list.error}</p>
            <button type="button" className="btn btn-small" onClick={list.reload}>Try again</button>
          </Notice>
        ) : list.regions === null ? (
          <Spinner label="Loading regions" />
        ) : list.regions.length === 0 ? (
          <Notice kind="info">
            No region is available to {orgName} yet. <a href="/regions">Add a region</a> and connect its agent, then come back.
          </Notice>
        ) : (
          <div className="choice-grid">
            {list.regions.map((r) => (
              <label key={r.id} className="choice">
                <input type="radio" name="region" value={r.id} checked={regionId === r.id} onChange={() => onRegion(r.id)} />
                <span className="choice-body">
                  <span className="choice-title">{r.name}</span>
                  <span className="choice-meta">
                    {r.provider} · {r.visibility === 'shared' ? 'shared' : 'your organization'}
                  </span>
                  <StatusDot status={r.status} />
                </span>
              </label>
            ))}
          </div>
        )}
        {away ? (
          <p id="db-region-warning" className="choice-warning" role="status">
            {region.status === 'pending'
              ? `The agent of ${region.name} has not connected yet. You can still create the database: it is created once the agent connects.`
              : `${region.name} is offline: its agent is not connected. You can still create the database: it is created once the agent reconnects.`}
          </p>
        ) : null}
        {error ? <p id="db-region-error" className="error-text" role="alert">{error}</p> : null}
      </fieldset>
    </section>
  );
}
