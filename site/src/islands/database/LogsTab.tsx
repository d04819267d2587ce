// The Logs tab: the server log, live while the tab is open, filtered by level and text, paused and resumed
// without losing lines (within the page's bound), and the shown lines downloadable. The view follows new lines
// only while it is scrolled to the bottom, so reading older lines is not interrupted.
import { useDeferredValue, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { Notice, Spinner } from '../../components/ui.tsx';
import { downloadText } from '../../lib/csv.ts';
import { filterLogs, LOG_BUFFER_LINES, logLevels, logsAsNdjson, type LogLevel } from '../../lib/log-filter.ts';
import { useLogs } from './use-logs.ts';
import type { Cluster } from './model.ts';

const LEVEL_WORDS: Record<LogLevel, string> = { debug: 'Debug', info: 'Info', warning: 'Warning', error: 'Error', fatal: 'Fatal' };

export function LogsTab({ cluster, active }: { cluster: Cluster; active: boolean }) {
  const { lines, error, paused, waiting, pause, resume } = useLogs(cluster, active);
  const [level, setLevel] = useState<LogLevel | ''>('');
  const [search, setSearch] = useState('');
  const deferredSearch = useDeferredValue(search);
  const shown = filterLogs(lines ?? [], level || null, deferredSearch);
  const view = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const ids = { level: useId(), search: useId() };

  useLayoutEffect(() => {
    const el = view.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  });
  useEffect(() => {
    atBottom.current = true;
  }, [level, deferredSearch]);

  function download() {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    downloadText(`${cluster.name}-${stamp}.ndjson`, logsAsNdjson(shown), 'application/x-ndjson');
  }

  return (
    <div className="obs-tab" data-testid="logs-tab">
      <div className="obs-toolbar">
        <div className="field obs-field">
          <label htmlFor={ids.level}>Level</label>
          <select id={ids.level} value={level} onChange={(e) => setLevel(e.target.value as LogLevel | '')} data-testid="log-level">
            <option value="">All levels</option>
            {logLevels.map((l) => (
              <option key={l} value={l}>
                {LEVEL_WORDS[l]} and above
              </option>
            ))}
          </select>
        </div>
        <div className="field obs-field obs-grow">
          <label htmlFor={ids.search}>Search</label>
          <input id={ids.search} type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Text or SQLSTATE" data-testid="log-search" />
        </div>
        <div className="obs-actions">
          <button type="button" className="btn" aria-pressed={paused} onClick={paused ? resume : pause} data-testid="log-pause">
            {paused ? `Resume${waiting ? ` (${waiting} new)` : ''}` : 'Pause'}
          </button>
          <button type="button" className="btn" onClick={download} disabled={shown.length === 0} data-testid="log-download">
            Download
          </button>
        </div>
      </div>
      {error ? <Notice>Could not load the log: {error}</Notice> : null}
      {!lines && !error ? <Spinner label="Loading the log…" /> : null}
      {lines ? (
        <>
          <p className="muted obs-note">
            {shown.length} of {lines.length} lines{lines.length >= LOG_BUFFER_LINES ? ` (the newest ${LOG_BUFFER_LINES} are kept)` : ''}
            {paused ? ' · paused' : ' · live'}
          </p>
          <div
            ref={view}
            className="obs-log"
            role="log"
            aria-label={`Server log of ${cluster.name}`}
            tabIndex={0}
            data-testid="log-lines"
            onScroll={(e) => {
              const el = e.currentTarget;
              atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
            }}
          >
            {shown.length === 0 ? (
              <p className="muted">{lines.length === 0 ? 'No log lines yet.' : 'No lines match the filter.'}</p>
            ) : (
              <ol>
                {shown.map((l, i) => (
                  <li key={`${l.at}-${i}`} className={`obs-log-line obs-log-${l.level}`} data-level={l.level}>
                    <time dateTime={l.at}>{new Date(l.at).toLocaleTimeString('en', { hour12: false })}</time>
                    <span className="obs-log-level">{LEVEL_WORDS[l.level]}</span>
                    {l.sqlstate ? <span className="obs-log-state">{l.sqlstate}</span> : null}
                    <span className="obs-log-message">{l.message}</span>
                  </li>
                ))}
              </ol>
            )}
          </div>
        </>
      ) : null}
    </div>
  );
}
