// Create a database: one form in sections (name, version, region, size, storage, password), checked as people
// type with the API's own rules, sent once (an Idempotency-Key makes a repeated submit the same request), then
// the create operation followed live until an agent has picked it up, when the database's page takes over.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { Cluster, Operation } from '../../../workers/schemas/clusters.ts';
import { clusterSizes, SIZE_TABLE, type ClusterSize } from '../../../queues/sizes.ts';
import { api, ApiFailure, errorText, unwrap } from '../lib/api.ts';
import { usd } from '../lib/format.ts';
import { useRealtime, type RealtimeMessage } from '../lib/realtime.ts';
import { useSession, type Organization } from '../lib/session.ts';
import { CopyButton, Notice, Spinner, StatusDot, TextField } from '../components/ui.tsx';
import {
  canWriteClusters,
  clusterNameProblem,
  CLUSTER_NAME_MAX,
  DEFAULT_STORAGE_GB,
  DEFAULT_VERSION,
  generatePassword,
  PASSWORD_MIN,
  passwordProblem,
  passwordStrength,
  POSTGRES_VERSIONS,
  STORAGE_MAX_GB,
  STORAGE_MIN_GB,
  storageProblem,
  type PostgresVersion,
} from '../lib/cluster-rules.ts';
import { loadRegions, type RegionRow } from '../lib/regions.ts';

const HOURS_PER_MONTH = 730;
/** The form's fields, by the API's field path: server field errors land under these. */
const FIELD_INPUTS = {
  name: 'db-name',
  project_id: 'db-project',
  version: `db-version-${DEFAULT_VERSION}`,
  region_id: 'db-region-group',
  size: 'db-size-group',
  storage_gb: 'db-storage',
  password: 'db-password',
} as const;
type Field = keyof typeof FIELD_INPUTS;
const isField = (path: string): path is Field => path in FIELD_INPUTS;

/** "at least 3 characters" -> "At least 3 characters." */
const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

export default function CreateDatabase() {
  const session = useSession();
  return (
    <div className="create-db">
      <p className="back-link"><a href="/databases"><span aria-hidden="true">← </span>Databases</a></p>
      <h1>Create a database</h1>
      {session.status === 'loading' ? (
        <Spinner label="Loading" />
      ) : session.status === 'error' ? (
        <Notice>{session.message}</Notice>
      ) : !canWriteClusters(session.org.role) ? (
        <Notice kind="info">
          Your role in {session.org.name} is {session.org.role}, which cannot create databases. Ask an owner, admin or developer of the
          organization.
        </Notice>
      ) : (
        <CreateForm key={session.org.id} org={session.org} />
      )}
    </div>
  );
}

interface Created {
  cluster: Cluster;
  operation: Operation;
  region: RegionRow | undefined;
}

function CreateForm({ org }: { org: Organization }) {
  const [name, setName] = useState('');
  const [nameDone, setNameDone] = useState(false);
  const [version, setVersion] = useState<PostgresVersion>(DEFAULT_VERSION);
  const [regions, setRegions] = useState<RegionRow[] | null>(null);
  const [regionsError, setRegionsError] = useState<string | null>(null);
  const [regionId, setRegionId] = useState('');
  const [size, setSize] = useState<ClusterSize>('dev');
  const [storage, setStorage] = useState(String(DEFAULT_STORAGE_GB));
  const [password, setPassword] = useState('');
  const [passwordDone, setPasswordDone] = useState(false);
  const [showPassword, setShowPassword] = useState(false);
  const [projects, setProjects] = useState<Array<{ id: string; name: string }> | null>(null);
  const [projectId, setProjectId] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [sending, setSending] = useState(false);
  const [topError, setTopError] = useState<string | null>(null);
  const [serverFields, setServerFields] = useState<Partial<Record<Field, string>>>({});
  const [created, setCreated] = useState<Created | null>(null);
  const sendingRef = useRef(false);
  const idempotency = useRef<{ key: string; body: string } | null>(null);
  const topErrorRef = useRef<HTMLDivElement>(null);

  const fetchRegions = useCallback(() => {
    setRegionsError(null);
    setRegions(null);
    loadRegions(org.id).then(
      (list) => {
        setRegions(list);
        // The first online region is the likely choice; an org with none online still gets one picked.
        setRegionId((current) => current || (list.find((r) => r.status === 'online') ?? list[0])?.id || '');
      },
      (error: unknown) => setRegionsError(errorText(error)),
    );
  }, [org.id]);

  useEffect(fetchRegions, [fetchRegions]);

  // The project is named explicitly: without it the API uses the session token's organization, which is not
  // necessarily the one chosen in the switcher. The default is the org's oldest project, as the API's own.
  useEffect(() => {
    let live = true;
    unwrap(api.v1.projects.$get({ query: { org_id: org.id, limit: '100' } })).then(
      ({ data }) => {
        if (!live) return;
        setProjects(data);
        const oldest = [...data].sort((a, b) => (a.id < b.id ? -1 : 1))[0];
        if (oldest) setProjectId(oldest.id);
      },
      () => live && setProjects([]),
    );
    return () => {
      live = false;
    };
  }, [org.id]);

  const clearServerField = (field: Field) => setServerFields((f) => (f[field] ? { ...f, [field]: undefined } : f));

  const nameError = clusterNameProblem(name, nameDone || attempted) ?? serverFields.name ?? null;
  const storageError = (attempted || storage !== String(DEFAULT_STORAGE_GB) ? storageProblem(storage) : null) ?? serverFields.storage_gb ?? null;
  const typedPasswordProblem = passwordProblem(password);
  const passwordError =
    (passwordDone || attempted || (typedPasswordProblem !== null && !typedPasswordProblem.startsWith('Use at least')) ? typedPasswordProblem : null) ??
    serverFields.password ??
    null;
  const regionError = (attempted && !regionId ? 'Choose a region.' : null) ?? serverFields.region_id ?? null;
  const region = regions?.find((r) => r.id === regionId);
  const spec = SIZE_TABLE[size];

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (sendingRef.current) return;
    setAttempted(true);
    setTopError(null);
    const problems: Array<[Field, string | null]> = [
      ['name', clusterNameProblem(name, true)],
      ['region_id', regionId ? null : 'Choose a region.'],
      ['storage_gb', storageProblem(storage)],
      ['password', passwordProblem(password)],
    ];
    const first = problems.find(([, problem]) => problem !== null);
    if (first) {
      document.getElementById(FIELD_INPUTS[first[0]])?.focus();
      return;
    }
    const json = {
      name,
      ...(projectId ? { project_id: projectId } : {}),
      region_id: regionId,
      version,
      size,
      storage_gb: Number(storage),
      ...(password ? { password } : {}),
    };
    // The same body keeps its key until the API answers it for good, so a retry after a lost answer (or a second
    // click) is recognised as the same request and cannot create a second database.
    const body = JSON.stringify(json);
    if (idempotency.current?.body !== body) idempotency.current = { key: `create-db-${crypto.randomUUID()}`, body };
    sendingRef.current = true;
    setSending(true);
    try {
      const result = await unwrap(api.v1.clusters.$post({ json }, { headers: { 'Idempotency-Key': idempotency.current.key } }));
      setCreated({ cluster: result.cluster, operation: result.operation, region });
    } catch (error) {
      sendingRef.current = false;
      setSending(false);
      showFailure(error);
    }
  }

  function showFailure(error: unknown) {
    if (!(error instanceof ApiFailure)) {
      setTopError(errorText(error));
      return;
    }
    // A definite answer (4xx) is stored with the key: a changed form needs a fresh key, and so does a retry.
    if (error.status >= 400 && error.status < 500) idempotency.current = null;
    const fields: Partial<Record<Field, string>> = {};
    const others: string[] = [];
    for (const [path, message] of Object.entries(error.fields)) {
      if (isField(path)) fields[path] = sentence(message);
      else others.push(`${path}: ${message}`);
    }
    if (error.code === 'conflict' && /already exists/.test(error.message)) fields.name = `${sentence(error.message)} Choose another name.`;
    if (error.status === 404 && /^Region/.test(error.message)) fields.region_id = 'This region is no longer available. Choose another.';
    setServerFields(fields);
    const placed = Object.keys(fields).length > 0;
    let top: string | null = null;
    if (error.code === 'quota_exceeded') top = `Your plan's limit is reached: ${sentence(error.message)}`;
    else if (error.status === 429) top = 'Too many requests. Wait a moment, then try again.';
    else if (!placed) top = error.message;
    else if (others.length > 0) top = `Some values were not accepted: ${others.join('; ')}.`;
    else if (error.code === 'validation_failed') top = 'Some values were not accepted. Check the fields marked below.';
    setTopError(top);
    const firstField = (Object.keys(FIELD_INPUTS) as Field[]).find((f) => fields[f]);
    requestAnimationFrame(() => {
      if (top) topErrorRef.current?.focus();
      else if (firstField) document.getElementById(FIELD_INPUTS[firstField])?.focus();
    });
  }

  if (created) return <CreationProgress orgId={org.id} created={created} />;

  const strength = passwordStrength(password);
  const nameHint = (
    <>
      3–{CLUSTER_NAME_MAX} characters: lowercase letters, digits and hyphens, starting and ending with a letter or digit. It cannot be changed later.
      <br />
      {name && clusterNameProblem(name, true) === null ? (
        <>
          <strong>{name}</strong> will be reached at {region?.driver === 'local' ? <code>127.0.0.1:&lt;port&gt;</code> : <code>&lt;load balancer address&gt;:5432</code>}
          {region ? ` in ${region.name}` : ''}: {region?.driver === 'local' ? 'the port is picked when it starts' : "the region's load balancer assigns the address when it starts"}, and the
          database's page shows it.{' '}
        </>
      ) : (
        "Its connection address is assigned when it starts and shown on the database's page. "
      )}
      You connect as user <code>app</code> to database <code>app</code>.
    </>
  );

  return (
    <form className="create-form" onSubmit={submit} noValidate aria-describedby={topError ? 'create-top-error' : undefined}>
      {topError ? (
        <div ref={topErrorRef} tabIndex={-1} id="create-top-error" className="create-top-error">
          <Notice>{topError}</Notice>
        </div>
      ) : null}

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
          onChange={(e) => {
            setName(e.target.value);
            clearServerField('name');
          }}
          onBlur={() => name !== '' && setNameDone(true)}
          hint={nameHint}
          error={nameError}
          aria-required="true"
        />
        {projects && projects.length > 1 ? (
          <div className="field">
            <label htmlFor={FIELD_INPUTS.project_id}>Project</label>
            <select
              id={FIELD_INPUTS.project_id}
              value={projectId}
              onChange={(e) => {
                setProjectId(e.target.value);
                clearServerField('project_id');
              }}
              aria-invalid={serverFields.project_id ? true : undefined}
              aria-describedby={serverFields.project_id ? 'db-project-error' : undefined}
            >
              {projects.map((p) => (
                <option key={p.id} value={p.id}>{p.name}</option>
              ))}
            </select>
            {serverFields.project_id ? <span id="db-project-error" className="error" role="alert">{serverFields.project_id}</span> : null}
          </div>
        ) : serverFields.project_id ? (
          <p className="error-text" role="alert">{serverFields.project_id}</p>
        ) : null}
      </section>

      <section className="card create-section">
        <fieldset className="choices" aria-describedby={serverFields.version ? 'db-version-error' : undefined}>
          <legend>PostgreSQL version</legend>
          <div className="choice-grid choice-grid-small">
            {POSTGRES_VERSIONS.map((v) => (
              <label key={v} className="choice">
                <input
                  type="radio"
                  id={`db-version-${v}`}
                  name="version"
                  value={v}
                  checked={version === v}
                  onChange={() => {
                    setVersion(v);
                    clearServerField('version');
                  }}
                />
                <span className="choice-body">
                  <span className="choice-title">PostgreSQL {v}</span>
                  {v === DEFAULT_VERSION ? <span className="choice-meta">Recommended</span> : v === POSTGRES_VERSIONS[POSTGRES_VERSIONS.length - 1] ? <span className="choice-meta">Newest</span> : null}
                </span>
              </label>
            ))}
          </div>
          {serverFields.version ? <p id="db-version-error" className="error-text" role="alert">{serverFields.version}</p> : null}
        </fieldset>
      </section>

      <section className="card create-section">
        <fieldset
          className="choices"
          id={FIELD_INPUTS.region_id}
          tabIndex={-1}
          aria-describedby={[regionError ? 'db-region-error' : null, region && region.status !== 'online' ? 'db-region-warning' : null].filter(Boolean).join(' ') || undefined}
        >
          <legend>Region</legend>
          {regionsError ? (
            <Notice>
              <p className="db-error-text">Could not load the regions: {regionsError}</p>
              <button type="button" className="btn btn-small" onClick={fetchRegions}>Try again</button>
            </Notice>
          ) : regions === null ? (
            <Spinner label="Loading regions" />
          ) : regions.length === 0 ? (
            <Notice kind="info">
              No region is available to {org.name} yet. <a href="/regions">Add a region</a> and connect its agent, then come back.
            </Notice>
          ) : (
            <div className="choice-grid">
              {regions.map((r) => (
                <label key={r.id} className="choice">
                  <input
                    type="radio"
                    name="region"
                    value={r.id}
                    checked={regionId === r.id}
                    onChange={() => {
                      setRegionId(r.id);
                      clearServerField('region_id');
                    }}
                  />
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
          {region && region.status !== 'online' ? (
            <p id="db-region-warning" className="choice-warning" role="status">
              {region.status === 'pending'
                ? `The agent of ${region.name} has not connected yet. You can still create the database: it is created once the agent connects.`
                : `${region.name} is offline: its agent is not connected. You can still create the database: it is created once the agent reconnects.`}
            </p>
          ) : null}
          {regionError ? <p id="db-region-error" className="error-text" role="alert">{regionError}</p> : null}
        </fieldset>
      </section>

      <section className="card create-section">
        <fieldset className="choices" id={FIELD_INPUTS.size} tabIndex={-1} aria-describedby={serverFields.size ? 'db-size-error' : undefined}>
          <legend>Size</legend>
          <div className="choice-grid">
            {clusterSizes.map((s) => {
              const item = SIZE_TABLE[s];
              return (
                <label key={s} className="choice">
                  <input
                    type="radio"
                    name="size"
                    value={s}
                    checked={size === s}
                    onChange={() => {
                      setSize(s);
                      clearServerField('size');
                    }}
                  />
                  <span className="choice-body">
                    <span className="choice-title">{s}</span>
                    <span className="choice-meta">
                      {item.vcpu} vCPU · {item.memory_gb} GB RAM
                    </span>
                    <span className="choice-meta">{item.max_connections.toLocaleString('en')} connections</span>
                    <span className="choice-price">{usd(item.price_per_hour_usd)} / hour</span>
                  </span>
                </label>
              );
            })}
          </div>
          {serverFields.size ? <p id="db-size-error" className="error-text" role="alert">{serverFields.size}</p> : null}
        </fieldset>
        <TextField
          id={FIELD_INPUTS.storage_gb}
          label="Storage (GB)"
          name="storage_gb"
          type="number"
          inputMode="numeric"
          min={STORAGE_MIN_GB}
          max={STORAGE_MAX_GB}
          step={1}
          value={storage}
          onChange={(e) => {
            setStorage(e.target.value);
            clearServerField('storage_gb');
          }}
          hint={`A whole number from ${STORAGE_MIN_GB} to ${STORAGE_MAX_GB.toLocaleString('en')} GB. It can grow later, not shrink.`}
          error={storageError}
          className="storage-input"
        />
      </section>

      <section className="card create-section" aria-labelledby="create-password">
        <h2 id="create-password">Password</h2>
        <div className="field">
          <label htmlFor={FIELD_INPUTS.password}>
            Password for user app <span className="muted">(optional)</span>
          </label>
          <div className="password-controls">
            <input
              id={FIELD_INPUTS.password}
              name="password"
              type={showPassword ? 'text' : 'password'}
              autoComplete="new-password"
              autoCapitalize="none"
              spellCheck={false}
              value={password}
              onChange={(e) => {
                setPassword(e.target.value);
                setPasswordDone(false);
                clearServerField('password');
              }}
              onBlur={() => password !== '' && setPasswordDone(true)}
              aria-invalid={passwordError ? true : undefined}
              aria-describedby={['db-password-hint', password ? 'db-password-strength' : null, passwordError ? 'db-password-error' : null].filter(Boolean).join(' ')}
            />
            <button type="button" className="btn btn-small" aria-pressed={showPassword} onClick={() => setShowPassword(!showPassword)}>
              {showPassword ? 'Hide' : 'Show'}
              <span className="visually-hidden"> password</span>
            </button>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => {
                setPassword(generatePassword(24));
                setShowPassword(true);
                setPasswordDone(true);
                clearServerField('password');
              }}
            >
              Generate<span className="visually-hidden"> a password</span>
            </button>
            {password ? <CopyButton value={password} label="Copy password" /> : null}
          </div>
          <span id="db-password-hint" className="hint">
            Leave it empty and a strong one is generated; you can reveal it on the database's page. Your own needs at least {PASSWORD_MIN} characters,
            printable and without spaces.
          </span>
          {password ? (
            <div id="db-password-strength" className="strength" data-score={strength.score}>
              <span className="strength-bar" aria-hidden="true">
                {[1, 2, 3, 4].map((step) => (
                  <span key={step} className={step <= strength.score ? 'on' : undefined} />
                ))}
              </span>
              <span>
                Strength: <strong>{strength.label}</strong> <span className="muted">({strength.detail})</span>
              </span>
            </div>
          ) : null}
          {passwordError ? (
            <span id="db-password-error" className="error" role="alert">{passwordError}</span>
          ) : null}
        </div>
      </section>

      <section className="card create-section create-summary" aria-labelledby="create-summary">
        <h2 id="create-summary">Summary</h2>
        <p>
          <strong>{name || 'Your database'}</strong>: PostgreSQL {version}, {size} ({spec.vcpu} vCPU, {spec.memory_gb} GB RAM), {storageProblem(storage) ? '–' : `${Number(storage)} GB`} storage
          {region ? ` in ${region.name}` : ''}.
        </p>
        <p className="muted">
          Compute: {usd(spec.price_per_hour_usd)} per hour, about {usd(spec.price_per_hour_usd * HOURS_PER_MONTH)} per month running all the time.
        </p>
        <div className="create-actions">
          <a className="btn" href="/databases">Cancel</a>
          <button className="btn btn-primary" type="submit" disabled={sending || regions?.length === 0} aria-describedby={sending ? 'create-sending' : undefined}>
            {sending ? 'Creating…' : 'Create database'}
          </button>
        </div>
        {sending ? <p id="create-sending" className="visually-hidden" role="status">Creating the database…</p> : null}
      </section>
    </form>
  );
}

function isOperation(value: unknown): value is Operation {
  const o = value as Partial<Operation> | null;
  return typeof o === 'object' && o !== null && typeof o.id === 'string' && typeof o.status === 'string';
}

/** What the create operation's status means here: `running` is the command handed to the region, where it waits
 * for the region's agent if that is not connected (durable-objects/cluster.ts, dispatch). */
function stepWords(status: Operation['status'], regionName: string, agentAway: boolean): string {
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

/**
 * After the API accepted: the create operation, followed on cluster:<id> (GET /v1/operations/{id} while the
 * socket is down), until it is in the region's hands; then the database's page, which shows the rest.
 */
function CreationProgress({ orgId, created }: { orgId: string; created: Created }) {
  const { cluster, region } = created;
  const [operation, setOperation] = useState(created.operation);
  const [status, setStatus] = useState(cluster.status);
  const heading = useRef<HTMLHeadingElement>(null);
  const pageUrl = `/databases/${cluster.id}`;
  const operationId = created.operation.id;

  const refresh = useCallback(async () => {
    try {
      const body = await unwrap(api.v1.operations[':id'].$get({ param: { id: operationId } }));
      setOperation(body.operation);
    } catch {
      // The socket or the next poll brings it; the link to the database's page is there meanwhile.
    }
  }, [operationId]);

  useRealtime(
    orgId,
    [`cluster:${cluster.id}`],
    (message: RealtimeMessage) => {
      if (message.type === 'operation.updated' && isOperation(message.operation) && message.operation.id === operationId) setOperation(message.operation);
      const c = message.cluster as Partial<Cluster> | undefined;
      if (message.type === 'cluster.status' && c?.id === cluster.id && c.status) setStatus(c.status);
    },
    refresh,
  );

  useEffect(() => {
    heading.current?.focus();
    // Whatever happened between the 202 and the subscription.
    void refresh();
  }, [refresh]);

  const handedOver = operation.status === 'running' || operation.status === 'finished' || status === 'running';
  useEffect(() => {
    if (!handedOver) return;
    const timer = setTimeout(() => location.assign(pageUrl), 700);
    return () => clearTimeout(timer);
  }, [handedOver, pageUrl]);

  const regionName = region?.name ?? 'the region';
  const agentAway = region !== undefined && region.status !== 'online';
  const failed = operation.status === 'failed' || operation.status === 'cancelled';
  const words = stepWords(operation.status, regionName, agentAway);

  return (
    <section className="card create-progress" aria-labelledby="progress-heading">
      <h2 id="progress-heading" ref={heading} tabIndex={-1}>
        Creating {cluster.name}
      </h2>
      <ol className="progress-steps">
        <li className="done">Request accepted</li>
        <li className={handedOver ? 'done' : 'current'}>Work handed to {regionName}</li>
        <li className={handedOver ? 'current' : undefined}>The database starts: follow it on its page</li>
      </ol>
      <p role="status" className="progress-now">
        {failed || handedOver ? null : <span className="spinner" aria-hidden="true" />}
        {words}
        {handedOver && !failed ? '. Opening the database’s page…' : ''}
      </p>
      <p className="muted">
        Database status: <StatusDot status={status} />
      </p>
      {failed ? <Notice>{operation.error ?? words}</Notice> : null}
      {agentAway && !failed ? (
        <Notice kind="info">
          {region.status === 'pending' ? `The agent of ${region.name} has not connected yet` : `${region.name} is offline`}: the database is created as soon
          as its agent connects. The database's page follows it.
        </Notice>
      ) : null}
      <p>
        <a className="btn btn-primary" href={pageUrl}>Go to the database</a>
      </p>
    </section>
  );
}
