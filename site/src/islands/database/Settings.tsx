// The Settings tab: resize, sleep or wake, rotate the password, delete. Every action starts an operation (202);
// its progress shows under the action and follows the live operations list. While any operation is in flight
// the actions wait (the API would answer 409 operation_in_progress), except delete, which supersedes it.
import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { clusterSizes, SIZE_TABLE, type ClusterSize } from '../../../../protocol/sizes.ts';
import { api, ApiFailure, unwrap } from '../../lib/api.ts';
import { gb, statusLabel, usd } from '../../lib/format.ts';
import { CopyButton, Notice, TextField } from '../../components/ui.tsx';
import { generatePassword, passwordProblem, STORAGE_MAX_GB } from '../../lib/cluster-rules.ts';
import { OperationProgress } from './Activity.tsx';
import { Section } from './Section.tsx';
import { DeleteDialog } from './DeleteDialog.tsx';
import { actionErrorText, actionLabel, canWrite, inFlight, TRANSITIONAL, type Cluster, type Mutation, type Operation, type Role } from './model.ts';

export type { Mutation };

interface Props {
  cluster: Cluster;
  operations: Operation[];
  role: Role | null;
  onMutated: (result: Mutation) => void;
  /** The page's picture is stale (a 409 said so): read the cluster and its operations again now. */
  onConflict: () => void;
}

export function Settings({ cluster, operations, role, onMutated, onConflict }: Props) {
  if (!canWrite(role)) {
    return (
      <div className="db-settings">
        <Notice kind="info">
          Your role in this organization ({role ?? 'none'}) can look at this database but not change it. Owners, admins and developers can resize it, put it to sleep,
          rotate its password and delete it; ask one of them if you need a change.
        </Notice>
      </div>
    );
  }
  const running = inFlight(operations);
  const deleting = cluster.status === 'deleting';
  const busy = Boolean(running) || TRANSITIONAL.has(cluster.status);
  const busyText = running
    ? `${actionLabel(running.action)} is in progress (${running.status}).`
    : `The database is ${statusLabel(cluster.status).toLowerCase()}.`;
  return (
    <div className="db-settings">
      {busy ? (
        <div className="notice db-busy" data-testid="busy-notice">
          <span className="spinner" aria-hidden="true" /> {busyText} The actions below are available again when it finishes.
        </div>
      ) : null}
      <ResizeForm cluster={cluster} operations={operations} busy={busy} onMutated={onMutated} onConflict={onConflict} />
      <Power cluster={cluster} operations={operations} busy={busy} onMutated={onMutated} onConflict={onConflict} />
      <RotatePassword cluster={cluster} operations={operations} busy={busy} onMutated={onMutated} onConflict={onConflict} />
      <Section title="Delete database" danger>
        <p className="muted">
          Deleting removes the database, its servers and all of its data. It cannot be undone. An operation still in progress is cancelled by the deletion.
        </p>
        <DeleteDialog cluster={cluster} disabled={deleting} />
      </Section>
    </div>
  );
}

interface ActionProps {
  cluster: Cluster;
  operations: Operation[];
  busy: boolean;
  onMutated: (result: Mutation) => void;
  onConflict: () => void;
}

function SelectField({ label, hint, value, onChange, children, error }: { label: string; hint?: string; value: string; onChange: (v: string) => void; children: ReactNode; error?: string }) {
  const id = useId();
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={described} aria-invalid={error ? true : undefined}>
        {children}
      </select>
      {hint ? (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={`${id}-error`} className="error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

function sizeLine(size: ClusterSize): string {
  const s = SIZE_TABLE[size];
  return `${size}: ${s.vcpu} vCPU, ${gb(s.memory_gb)} RAM, ${s.max_connections} connections, ${usd(s.price_per_hour_usd)}/hour`;
}

function ResizeForm({ cluster, operations, busy, onMutated, onConflict }: ActionProps) {
  const [size, setSize] = useState<ClusterSize>(cluster.size);
  const [instances, setInstances] = useState(cluster.instances);
  const [storage, setStorage] = useState(String(cluster.storage_gb));
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [started, setStarted] = useState<Operation | null>(null);

  // The form starts again from the cluster's spec whenever that changes (here or elsewhere).
  useEffect(() => {
    setSize(cluster.size);
    setInstances(cluster.instances);
    setStorage(String(cluster.storage_gb));
  }, [cluster.size, cluster.instances, cluster.storage_gb]);

  const storageNumber = Number(storage);
  const changed = size !== cluster.size || instances !== cluster.instances || storageNumber !== cluster.storage_gb;
  const sleeping = cluster.status === 'sleeping';
  const price = SIZE_TABLE[size].price_per_hour_usd * instances;
  const currentPrice = SIZE_TABLE[cluster.size].price_per_hour_usd * cluster.instances;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!Number.isInteger(storageNumber) || storage.trim() === '') problems.storage_gb = 'Enter the storage as a whole number of GB.';
    else if (storageNumber < cluster.storage_gb) problems.storage_gb = `Storage can grow but not shrink: at least ${cluster.storage_gb} GB.`;
    else if (storageNumber > STORAGE_MAX_GB) problems.storage_gb = `At most ${STORAGE_MAX_GB} GB.`;
    setFields(problems);
    setError(null);
    if (Object.keys(problems).length > 0) return;
    if (!changed) {
      setError('Nothing to change: pick another size, number of instances or more storage first.');
      return;
    }
    const json: { size?: ClusterSize; instances?: number; storage_gb?: number } = {};
    if (size !== cluster.size) json.size = size;
    if (instances !== cluster.instances) json.instances = instances;
    if (storageNumber !== cluster.storage_gb) json.storage_gb = storageNumber;
    setSubmitting(true);
    try {
      const result = await unwrap(api.v1.clusters[':id'].$patch({ param: { id: cluster.id }, json }));
      setStarted(result.operation);
      onMutated(result);
    } catch (e) {
      setError(actionErrorText(e));
      if (e instanceof ApiFailure && e.status === 409) onConflict();
      if (e instanceof ApiFailure) setFields(e.fields);
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <Section title="Resize">
      <form onSubmit={submit} noValidate className="db-resize">
        <SelectField label="Size" hint={`${sizeLine(size)} per instance.`} value={size} onChange={(v) => setSize(clusterSizes.find((s) => s === v) ?? size)} error={fields.size}>
          {clusterSizes.map((s) => (
            <option key={s} value={s}>
              {sizeLine(s)}
              {s === cluster.size ? ' (current)' : ''}
            </option>
          ))}
        </SelectField>
        <div className="db-row">
          <SelectField label="Instances" hint="Each instance is billed at the size's price." value={String(instances)} onChange={(v) => setInstances(Number(v))} error={fields.instances}>
            {[1, 2, 3, 4, 5].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Storage (GB)"
            type="number"
            inputMode="numeric"
            min={cluster.storage_gb}
            max={STORAGE_MAX_GB}
            step={1}
            value={storage}
            onChange={(e) => setStorage(e.target.value)}
            hint={`Can grow, never shrink (now ${gb(cluster.storage_gb)}).`}
            error={fields.storage_gb}
          />
        </div>
        <p className="db-price" aria-live="polite">
          {changed ? (
            <>
              New price <strong>{usd(price)} per hour</strong> <span className="muted">(now {usd(currentPrice)})</span>
            </>
          ) : (
            <>
              Now <strong>{usd(currentPrice)} per hour</strong>
            </>
          )}
        </p>
        {sleeping ? <p className="muted">Wake the database to resize it.</p> : null}
        {error ? <Notice>{error}</Notice> : null}
        <button type="submit" className="btn btn-primary" disabled={busy || submitting || sleeping} data-testid="resize-button">
          {submitting ? 'Resizing…' : 'Resize'}
        </button>
      </form>
      <OperationProgress started={started} operations={operations} />
    </Section>
  );
}

function Power({ cluster, operations, busy, onMutated, onConflict }: ActionProps) {
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [started, setStarted] = useState<Operation | null>(null);
  const canWake = cluster.status === 'sleeping' || cluster.status === 'failed';
  const canSleep = cluster.status === 'running';

  async function run(action: 'sleep' | 'wake') {
    setError(null);
    setSubmitting(true);
    try {
      const route = action === 'sleep' ? api.v1.clusters[':id'].sleep : api.v1.clusters[':id'].wake;
      const result = await unwrap(route.$post({ param: { id: cluster.id } }));
      setStarted(result.operation);
      onMutated(result);
    } catch (e) {
      setError(actionErrorText(e));
      if (e instanceof ApiFailure && e.status === 409) onConflict();
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <Section title={canWake ? 'Wake' : 'Sleep'}>
      {canWake ? (
        <>
          <p className="muted">
            {cluster.status === 'sleeping' ? 'The database is sleeping. Waking starts its servers again on the same data.' : 'The database failed. Waking tries to start its servers again on the same data.'}
          </p>
          <button type="button" className="btn btn-primary" disabled={busy || submitting} onClick={() => void run('wake')} data-testid="wake-button">
            {submitting ? 'Waking…' : 'Wake database'}
          </button>
        </>
      ) : (
        <>
          <p className="muted">Sleeping stops the database's servers and keeps its data. Connections are refused until you wake it.</p>
          {!canSleep && !busy ? <p className="muted">The database can sleep once it is running.</p> : null}
          <button type="button" className="btn" disabled={busy || submitting || !canSleep} onClick={() => void run('sleep')} data-testid="sleep-button">
            {submitting ? 'Putting to sleep…' : 'Sleep database'}
          </button>
        </>
      )}
      {error ? <Notice>{error}</Notice> : null}
      <OperationProgress started={started} operations={operations} />
    </Section>
  );
}

function RotatePassword({ cluster, operations, busy, onMutated, onConflict }: ActionProps) {
  const [password, setPassword] = useState('');
  const [show, setShow] = useState(false);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [started, setStarted] = useState<Operation | null>(null);
  const [result, setResult] = useState<{ password: string | null } | null>(null);
  const sleeping = cluster.status === 'sleeping';

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setResult(null);
    const chosen = password.trim() === '' ? null : password;
    const problem = chosen === null ? null : passwordProblem(chosen);
    setFieldError(problem);
    if (problem) return;
    setSubmitting(true);
    try {
      const response = await unwrap(api.v1.clusters[':id'].password.rotate.$post({ param: { id: cluster.id }, json: chosen === null ? {} : { password: chosen } }));
      setStarted(response.operation);
      onMutated({ cluster: response.cluster, operation: response.operation });
      // The password is shown (once) only when it was chosen here; a generated one stays behind Reveal (audited).
      setResult({ password: chosen });
      setPassword('');
      setShow(false);
    } catch (e) {
      setError(actionErrorText(e));
      if (e instanceof ApiFailure && e.status === 409) onConflict();
      if (e instanceof ApiFailure && e.fields.password) setFieldError(e.fields.password);
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <Section title="Rotate password">
      <p className="muted">
        Sets a new password for the database user <code>{cluster.username}</code>. The old password stops working when the rotation finishes. Leave the field empty and
        Orochi Cloud generates one.
      </p>
      <form onSubmit={submit} noValidate>
        <div className="db-password-row">
          <TextField
            label="New password (optional)"
            type={show ? 'text' : 'password'}
            autoComplete="new-password"
            spellCheck={false}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            hint="12 to 128 printable characters, no spaces."
            error={fieldError}
            data-testid="new-password"
          />
          <div className="db-password-buttons">
            <button type="button" className="btn btn-small" aria-pressed={show} onClick={() => setShow(!show)}>
              {show ? 'Hide' : 'Show'}
            </button>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => {
                setPassword(generatePassword());
                setShow(true);
                setFieldError(null);
              }}
              data-testid="generate-password"
            >
              Generate
            </button>
          </div>
        </div>
        {sleeping ? <p className="muted">Wake the database to rotate its password.</p> : null}
        {error ? <Notice>{error}</Notice> : null}
        <button type="submit" className="btn btn-primary" disabled={busy || submitting || sleeping} data-testid="rotate-button">
          {submitting ? 'Rotating…' : 'Rotate password'}
        </button>
      </form>
      {result ? (
        result.password ? (
          <div className="notice notice-success db-new-password" data-testid="new-password-once">
            <p>
              The new password, shown this once: <code data-testid="new-password-value">{result.password}</code>
            </p>
            <p className="db-new-password-actions">
              <CopyButton value={result.password} label="Copy new password" />
              <button type="button" className="btn btn-small" onClick={() => setResult(null)}>
                Done, hide it
              </button>
            </p>
          </div>
        ) : (
          <Notice kind="success">A new password was generated. Reveal it in the connection details on the Overview tab once the rotation has finished (reveals are audited).</Notice>
        )
      ) : null}
      <OperationProgress started={started} operations={operations} />
    </Section>
  );
}
