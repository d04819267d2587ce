// How to connect: host, port, database, user and password (masked until revealed), each with a copy button, and
// the whole connection in the format the user picks (URI, psql, env, Node, Python), every one rendered by the API's
// connection route. Revealing asks the API for the password (reveal=true), which it audits and allows only to
// roles that may see it; hiding forgets it.
import { useEffect, useId, useRef, useState } from 'react';
import { api, ApiFailure, errorText, unwrap } from '../../lib/api.ts';
import { CopyButton, Notice, Spinner } from '../../components/ui.tsx';
import type { Cluster } from './model.ts';

const FORMATS = [
  { key: 'uri', label: 'URI' },
  { key: 'psql', label: 'psql' },
  { key: 'env', label: 'env' },
  { key: 'node', label: 'Node' },
  { key: 'python', label: 'Python' },
] as const;
type Format = (typeof FORMATS)[number]['key'];

interface Connection {
  format: Format;
  host: string;
  port: number;
  database: string;
  username: string;
  password: string | null;
  value: string;
}

/** Why there is nothing to connect to yet, in the cluster's own terms; null when it can take connections. */
function unavailableReason(cluster: Cluster): string | null {
  const usable = (cluster.status === 'running' || cluster.status === 'updating') && cluster.endpoint;
  if (usable) return null;
  switch (cluster.status) {
    case 'provisioning':
      return 'The database is still being created. Its endpoint and connection details appear here as soon as it is running.';
    case 'sleeping':
      return 'The database is sleeping, so it has no endpoint and refuses connections. Wake it in Settings to connect again.';
    case 'waking':
      return 'The database is waking up. Its endpoint appears here as soon as it is running.';
    case 'deleting':
      return 'The database is being deleted; it no longer takes connections.';
    case 'failed':
      return `The database failed${cluster.status_message ? `: ${cluster.status_message}` : ''}. It has no usable endpoint until it runs again.`;
    default:
      return 'The database has no endpoint yet. It appears here as soon as the region reports one.';
  }
}

const MASK = '••••••••••••';

export function ConnectionWidget({ cluster, credentialsKey, onGoToSettings }: { cluster: Cluster; credentialsKey: string; onGoToSettings: () => void }) {
  const reason = unavailableReason(cluster);
  const [format, setFormat] = useState<Format>('uri');
  const [revealed, setRevealed] = useState(false);
  const [connection, setConnection] = useState<Connection | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A 409: the endpoint went away between the cluster's last update and this request (it is going to sleep, say).
  const [gone, setGone] = useState(false);
  const [revealError, setRevealError] = useState<string | null>(null);
  const [revealing, setRevealing] = useState(false);
  const revealButton = useRef<HTMLButtonElement>(null);
  const hideButton = useRef<HTMLButtonElement>(null);
  const focusAfterToggle = useRef<'reveal' | 'hide' | null>(null);
  // Values already fetched, per format and reveal; cleared when the endpoint or password may have changed.
  const cache = useRef(new Map<string, Connection>());
  const headingId = useId();
  const auditNoteId = useId();

  const endpointKey = cluster.endpoint ? `${cluster.endpoint.host}:${cluster.endpoint.port}` : '';
  const cacheKey = `${endpointKey}|${credentialsKey}`;
  const cacheOwner = useRef(cacheKey);
  if (cacheOwner.current !== cacheKey) {
    cacheOwner.current = cacheKey;
    cache.current.clear();
  }

  async function fetchConnection(f: Format, reveal: boolean): Promise<Connection> {
    const key = `${f}|${reveal}`;
    const cached = cache.current.get(key);
    if (cached) return cached;
    const result = await unwrap(api.v1.clusters[':id'].connection.$get({ param: { id: cluster.id }, query: { format: f, reveal: reveal ? 'true' : 'false' } }));
    cache.current.set(key, result);
    return result;
  }

  // The masked connection (or the revealed one after a format switch) whenever what it depends on changes.
  useEffect(() => {
    if (reason) {
      cache.current.clear();
      setConnection(null);
      setRevealed(false);
      return;
    }
    let live = true;
    setLoading(true);
    setError(null);
    setGone(false);
    fetchConnection(format, revealed).then(
      (c) => {
        if (!live) return;
        setConnection(c);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setLoading(false);
        setGone(e instanceof ApiFailure && e.status === 409);
        setError(errorText(e));
      },
    );
    return () => {
      live = false;
    };
    // fetchConnection reads the cache, which is keyed by everything else it depends on.
  }, [reason, format, revealed, cacheKey, cluster.id]);

  useEffect(() => {
    if (focusAfterToggle.current === 'hide') hideButton.current?.focus();
    if (focusAfterToggle.current === 'reveal') revealButton.current?.focus();
    focusAfterToggle.current = null;
  }, [revealed]);

  async function reveal() {
    setRevealError(null);
    setRevealing(true);
    try {
      const c = await fetchConnection(format, true);
      setConnection(c);
      focusAfterToggle.current = 'hide';
      setRevealed(true);
    } catch (e) {
      setRevealError(
        e instanceof ApiFailure && e.status === 403
          ? `${e.message}. Only owners, admins and developers can see the password; ask one of them if you need it.`
          : errorText(e),
      );
    } finally {
      setRevealing(false);
    }
  }

  function hide() {
    for (const key of [...cache.current.keys()]) if (key.endsWith('|true')) cache.current.delete(key);
    // Off the screen at once, not after the masked value comes back.
    setConnection(cache.current.get(`${format}|false`) ?? null);
    focusAfterToggle.current = 'reveal';
    setRevealed(false);
  }

  // While another format loads, the previous one stays on screen (marked busy).
  const shown = connection;
  const password = revealed && shown?.password ? shown.password : null;

  return (
    <section className="card db-connection" aria-labelledby={headingId} data-testid="connection-widget">
      <h2 id={headingId}>Connection details</h2>
      {reason ? (
        <div className="db-no-endpoint" data-testid="connection-unavailable">
          <p>{reason}</p>
          {cluster.status === 'sleeping' ? (
            <button type="button" className="btn btn-small" onClick={onGoToSettings}>
              Go to Settings
            </button>
          ) : null}
        </div>
      ) : gone ? (
        <p className="muted" data-testid="connection-unavailable">
          {error}. The connection details appear here again once the database has an endpoint.
        </p>
      ) : error && !shown ? (
        <Notice>Could not load the connection details: {error}</Notice>
      ) : !shown ? (
        <Spinner label="Loading connection details…" />
      ) : (
        <>
          <dl className="db-conn-fields">
            <ConnField label="Host" value={shown.host} testId="host" />
            <ConnField label="Port" value={String(shown.port)} testId="port" />
            <ConnField label="Database" value={shown.database} testId="database" />
            <ConnField label="User" value={shown.username} testId="user" />
            <div className="db-conn-field">
              <dt>Password</dt>
              <dd>
                <code className="db-conn-value" data-testid="connection-password">
                  {password ?? <span aria-label="hidden">{MASK}</span>}
                </code>
                <span className="db-conn-actions">
                  {password ? (
                    <>
                      <span data-testid="copy-password">
                        <CopyButton value={password} label="Copy password" />
                      </span>
                      <button ref={hideButton} type="button" className="btn btn-small" onClick={hide} data-testid="hide-password">
                        Hide
                      </button>
                    </>
                  ) : (
                    <button
                      ref={revealButton}
                      type="button"
                      className="btn btn-small"
                      onClick={() => void reveal()}
                      disabled={revealing}
                      aria-describedby={auditNoteId}
                      data-testid="reveal-password"
                    >
                      {revealing ? 'Revealing…' : 'Reveal'}
                    </button>
                  )}
                </span>
              </dd>
            </div>
          </dl>
          <p id={auditNoteId} className="muted db-note">
            Revealing the password is recorded in your organization's audit log. Copy it somewhere safe and hide it again.
          </p>
          {revealError ? <Notice>{revealError}</Notice> : null}

          <fieldset className="db-formats">
            <legend>Format</legend>
            <div className="db-segmented">
              {FORMATS.map((f) => (
                <label key={f.key} className="db-segment">
                  <input type="radio" name={`format-${cluster.id}`} value={f.key} checked={format === f.key} onChange={() => setFormat(f.key)} data-testid={`format-${f.key}`} />
                  <span>{f.label}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <div className="db-conn-string">
            <pre aria-label={`Connection (${FORMATS.find((f) => f.key === format)!.label})`} aria-busy={loading} data-testid="connection-string" data-format={shown.format} tabIndex={0}>
              <code>{shown.value}</code>
            </pre>
            <span data-testid="copy-connection-string">
              <CopyButton value={shown.value} label="Copy connection string" />
            </span>
          </div>
          {!password ? <p className="muted db-note">The password is left out until you reveal it.</p> : null}
          {error ? <Notice>{error}</Notice> : null}
        </>
      )}
    </section>
  );
}

function ConnField({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="db-conn-field">
      <dt>{label}</dt>
      <dd>
        <code className="db-conn-value" data-testid={`connection-${testId}`}>
          {value}
        </code>
        <span className="db-conn-actions" data-testid={`copy-${testId}`}>
          <CopyButton value={value} label={`Copy ${label.toLowerCase()}`} />
        </span>
      </dd>
    </div>
  );
}
