// Create branch: a new database made from this one's history (now, a moment of the restore window, or a backup),
// in the same region and project, of the same size, with its own credentials. The name is checked as it is typed;
// the new branch appears in the tree at once and its status follows live there.
import { useState, type FormEvent } from 'react';
import { api, ApiFailure, unwrap } from '../../lib/api.ts';
import { clusterNameProblem } from '../../lib/cluster-rules.ts';
import { pointRequest, type HistoryPoint } from '../../lib/history-point.ts';
import { Notice, TextField } from '../../components/ui.tsx';
import type { Backup, RestoreWindow } from '../../../../protocol/resources.ts';
import { PointPicker } from './PointPicker.tsx';
import { actionErrorText, type Cluster } from './model.ts';

interface Props {
  cluster: Cluster;
  backups: Backup[] | null;
  restoreWindow: RestoreWindow | null;
  onCreated: (branch: Cluster) => void;
}

/** The API's refusal in words, for a branch. */
function refusalText(error: unknown): string {
  if (error instanceof ApiFailure && error.code === 'quota_exceeded') return `${error.message}. A branch is a database of its own and counts towards the plan.`;
  if (error instanceof ApiFailure && (error.code === 'target_outside_window' || error.code === 'unsupported')) return error.message;
  return actionErrorText(error);
}

export function CreateBranchForm({ cluster, backups, restoreWindow, onCreated }: Props) {
  const [name, setName] = useState('');
  const [point, setPoint] = useState<HistoryPoint>({ kind: 'now' });
  const [nameError, setNameError] = useState<string | null>(null);
  const [pointError, setPointError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Cluster | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = clusterNameProblem(name, true);
    const request = pointRequest(point, restoreWindow);
    setNameError(problem);
    setPointError(request.ok ? null : request.error);
    setError(null);
    if (problem || !request.ok) return;
    setCreating(true);
    try {
      const result = await unwrap(
        api.v1.clusters.$post({
          json: {
            name,
            project_id: cluster.project_id,
            size: cluster.size,
            source: { cluster_id: cluster.id, ...request.body },
          },
        }),
      );
      setCreated(result.cluster);
      onCreated(result.cluster);
      setName('');
    } catch (e) {
      if (e instanceof ApiFailure && e.fields.name) setNameError(e.fields.name);
      else if (e instanceof ApiFailure && e.code === 'target_outside_window') setPointError(refusalText(e));
      else setError(refusalText(e));
    } finally {
      setCreating(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="db-branch-form" data-testid="create-branch">
      <p className="muted">
        A branch is a new database made from the history of {cluster.name}, in the same region, of the same size ({cluster.size}), with its own password. Changes to one never reach
        the other.
      </p>
      <TextField
        label="Branch name"
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          setNameError(clusterNameProblem(e.target.value, false));
        }}
        autoComplete="off"
        spellCheck={false}
        placeholder={`${cluster.name}-dev`.slice(0, 63)}
        hint="3 to 63 lowercase letters, digits and hyphens."
        error={nameError}
        data-testid="branch-name"
      />
      <PointPicker kinds={['now', 'time', 'backup']} point={point} onChange={(next) => (setPoint(next), setPointError(null))} restoreWindow={restoreWindow} backups={backups} error={pointError} testId="branch-point" />
      {error ? <Notice>{error}</Notice> : null}
      <button type="submit" className="btn btn-primary" disabled={creating} data-testid="create-branch-button">
        {creating ? 'Creating…' : 'Create branch'}
      </button>
      {created ? (
        <Notice kind="success">
          <span data-testid="branch-created">
            <a href={`/databases/${created.id}`}>{created.name}</a> is being made; it shows in the tree above and is ready once it is running.
          </span>
        </Notice>
      ) : null}
    </form>
  );
}
