// The database's name, with where it will be reached, and the project when the organization has more than one.
import { TextField } from '../../components/ui.tsx';
import { CLUSTER_NAME_MAX, clusterNameProblem } from '../../lib/cluster-rules.ts';
import type { RegionRow } from '../../lib/regions.ts';
import { FIELD_INPUTS } from './fields.ts';
import type { ProjectRow } from './project-list.ts';

interface Props {
  name: string;
  error: string | null;
  /** For the address in the hint. */
  region: RegionRow | undefined;
  projects: ProjectRow[] | null;
  projectId: string;
  projectError: string | undefined;
  onName: (name: string) => void;
  onNameLeft: () => void;
  onProject: (projectId: string) => void;
}

export function NameSection({ name, error, region, projects, projectId, projectError, onName, onNameLeft, onProject }: Props) {
  return (
    <section className="card create-section" aria-labelledby="create-basics">
      <h2 id="create-basics">Name</h2>
      <TextField
        id={FIELD_INPUTS.name}
        label="Database name"
        name="name"
        autoComplete="off"
        autoCapitalize="none"
        spellCheck={false}
        maxLength={CLUSTER_NAME_MAX + 10}
        placeholder="orders-db"
        value={name}
        onChange={(e) => onName(e.target.value)}
        onBlur={() => name !== '' && onNameLeft()}
        hint={<NameHint name={name} region={region} />}
        error={error}
        aria-required="true"
      />
      {projects && projects.length > 1 ? (
        <div className="field">
          <label htmlFor={FIELD_INPUTS.project_id}>Project</label>
          <select
            id={FIELD_INPUTS.project_id}
            value={projectId}
            onChange={(e) => onProject(e.target.value)}
            aria-invalid={projectError ? true : undefined}
            aria-describedby={projectError ? 'db-project-error' : undefined}
          >
            {projects.map((p) => (
              <option key={p.id} value={p.id}>{p.name}</option>
            ))}
          </select>
          {projectError ? <span id="db-project-error" className="error" role="alert">{projectError}</span> : null}
        </div>
      ) : projectError ? (
        <p className="error-text" role="alert">{projectError}</p>
      ) : null}
    </section>
  );
}

function NameHint({ name, region }: { name: string; region: RegionRow | undefined }) {
  const local = region?.driver === 'local';
  return (
    <>
      3–{CLUSTER_NAME_MAX} characters: lowercase letters, digits and hyphens, starting and ending with a letter or digit. It cannot be changed later.
      <br />
      {name && clusterNameProblem(name, true) === null ? (
        <>
          <strong>{name}</strong> will be reached at {local ? <code>127.0.0.1:&lt;port&gt;</code> : <code>&lt;load balancer address&gt;:5432</code>}
          {region ? ` in ${region.name}` : ''}: {local ? 'the port is picked when it starts' : "the region's load balancer assigns the address when it starts"}, and the
          database's page shows it.{' '}
        </>
      ) : (
        "Its connection address is assigned when it starts and shown on the database's page. "
      )}
      You connect as user <code>app</code> to database <code>app</code>.
    </>
  );
}
