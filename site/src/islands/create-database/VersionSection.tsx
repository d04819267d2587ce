// The PostgreSQL major version, the recommended one chosen to begin with.
import { DEFAULT_VERSION, POSTGRES_VERSIONS, type PostgresVersion } from '../../lib/cluster-rules.ts';

interface Props {
  version: PostgresVersion;
  error: string | undefined;
  onVersion: (version: PostgresVersion) => void;
}

const NEWEST = POSTGRES_VERSIONS[POSTGRES_VERSIONS.length - 1];

export function VersionSection({ version, error, onVersion }: Props) {
  return (
    <section className="card create-section">
      <fieldset className="choices" aria-describedby={error ? 'db-version-error' : undefined}>
        <legend>PostgreSQL version</legend>
        <div className="choice-grid choice-grid-small">
          {POSTGRES_VERSIONS.map((v) => (
            <label key={v} className="choice">
              <input type="radio" id={`db-version-${v}`} name="version" value={v} checked={version === v} onChange={() => onVersion(v)} />
              <span className="choice-body">
                <span className="choice-title">PostgreSQL {v}</span>
                {v === DEFAULT_VERSION ? <span className="choice-meta">Recommended</span> : v === NEWEST ? <span className="choice-meta">Newest</span> : null}
              </span>
            </label>
          ))}
        </div>
        {error ? <p id="db-version-error" className="error-text" role="alert">{error}</p> : null}
      </fieldset>
    </section>
  );
}
