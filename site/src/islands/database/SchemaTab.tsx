// The Schema tab: the database's schemas with their tables and views (a tree of disclosure lists), the chosen
// table's columns, indexes, foreign keys, size and row estimate, and the installed extensions.
import { useState } from 'react';
import { Notice, Spinner } from '../../components/ui.tsx';
import { bytes } from '../../lib/format.ts';
import type { DatabaseSchema } from '../../lib/observability-api.ts';
import { Section } from './Section.tsx';
import { useSchema } from './use-schema.ts';
import type { Cluster } from './model.ts';

type Table = DatabaseSchema['tables'][number];
type View = DatabaseSchema['views'][number];
type Selected = { kind: 'table'; item: Table } | { kind: 'view'; item: View } | null;

const keyOf = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

export function SchemaTab({ cluster }: { cluster: Cluster }) {
  const { schema, error, loading, reload } = useSchema(cluster);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);

  if (cluster.status !== 'running' && !schema) return <Notice kind="info">The schema can be read while the database is running.</Notice>;
  if (error && !schema) return <Notice>Could not read the schema: {error}</Notice>;
  if (!schema) return <Spinner label="Reading the schema…" />;

  const table = schema.tables.find((t) => keyOf(t) === selectedKey);
  const view = schema.views.find((v) => keyOf(v) === selectedKey);
  const selected: Selected = table ? { kind: 'table', item: table } : view ? { kind: 'view', item: view } : null;

  return (
    <div className="obs-tab" data-testid="schema-tab">
      <div className="obs-schema">
        <section className="card obs-schema-tree" aria-labelledby="schema-tree-heading">
          <div className="obs-monitoring-head">
            <h2 id="schema-tree-heading">Schemas</h2>
            <button type="button" className="btn btn-small" onClick={() => void reload()} disabled={loading} data-testid="schema-refresh">
              {loading ? 'Reading…' : 'Refresh'}
            </button>
          </div>
          {schema.schemas.length === 0 ? <p className="muted">No schemas visible to the app role.</p> : null}
          <ul className="obs-tree">
            {schema.schemas.map((s) => {
              const tables = schema.tables.filter((t) => t.schema === s.name);
              const views = schema.views.filter((v) => v.schema === s.name);
              return (
                <li key={s.name}>
                  <details open={s.name === 'public' || schema.schemas.length === 1}>
                    <summary>
                      <strong>{s.name}</strong>{' '}
                      <span className="muted">
                        {tables.length} table{tables.length === 1 ? '' : 's'}
                        {views.length ? `, ${views.length} view${views.length === 1 ? '' : 's'}` : ''}
                      </span>
                    </summary>
                    <ul className="obs-tree-items" data-testid={`schema-${s.name}`}>
                      {[...tables.map((t) => ({ key: keyOf(t), name: t.name, kind: 'table' })), ...views.map((v) => ({ key: keyOf(v), name: v.name, kind: v.materialized ? 'materialized view' : 'view' }))].map((item) => (
                        <li key={item.key}>
                          <button type="button" className="obs-tree-item" aria-pressed={selectedKey === item.key} onClick={() => setSelectedKey(item.key)} data-testid="schema-item" data-name={item.name}>
                            {item.name}
                            {item.kind !== 'table' ? <span className="muted"> ({item.kind})</span> : null}
                          </button>
                        </li>
                      ))}
                      {tables.length + views.length === 0 ? <li className="muted">Empty</li> : null}
                    </ul>
                  </details>
                </li>
              );
            })}
          </ul>
        </section>
        <div className="obs-schema-detail">
          {selected ? <Detail selected={selected} /> : <p className="card muted">Choose a table or view to see its columns, indexes and foreign keys.</p>}
        </div>
      </div>
      <Section title="Extensions" testId="schema-extensions">
        {schema.extensions.length === 0 ? (
          <p className="muted">No extensions installed.</p>
        ) : (
          <ul className="obs-chips">
            {schema.extensions.map((e) => (
              <li key={e.name}>
                <strong>{e.name}</strong> <span className="muted">{e.version} · {e.schema}</span>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}

function Detail({ selected }: { selected: NonNullable<Selected> }) {
  const { item } = selected;
  return (
    <section className="card" aria-labelledby="schema-detail-heading" data-testid="schema-detail">
      <h2 id="schema-detail-heading">
        <span className="muted">{item.schema}.</span>
        {item.name}
      </h2>
      {selected.kind === 'table' ? (
        <p className="muted obs-note">
          {selected.item.row_estimate < 0 ? 'Row count not estimated yet (never analyzed)' : `About ${Math.round(selected.item.row_estimate).toLocaleString('en')} rows`} · {bytes(selected.item.size_bytes)} with indexes
        </p>
      ) : (
        <p className="muted obs-note">{selected.item.materialized ? 'Materialized view' : 'View'}</p>
      )}
      <h3 className="obs-subheading">Columns</h3>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Nullable</th>
            <th scope="col">Default</th>
          </tr>
        </thead>
        <tbody>
          {item.columns.map((c) => (
            <tr key={c.name} data-testid="schema-column">
              <td data-label="Name" className="mono">{c.name}</td>
              <td data-label="Type" className="mono">{c.type}</td>
              <td data-label="Nullable">{c.nullable ? 'Yes' : 'No'}</td>
              <td data-label="Default" className="mono">{c.default ?? <span className="muted">none</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected.kind === 'table' ? (
        <>
          <h3 className="obs-subheading">Indexes</h3>
          {selected.item.indexes.length === 0 ? (
            <p className="muted">No indexes.</p>
          ) : (
            <ul className="obs-defs">
              {selected.item.indexes.map((i) => (
                <li key={i.name}>
                  <strong className="mono">{i.name}</strong>
                  {i.primary ? <span className="db-branch-badge">primary key</span> : i.unique ? <span className="db-branch-badge">unique</span> : null}
                  <code>{i.definition}</code>
                </li>
              ))}
            </ul>
          )}
          <h3 className="obs-subheading">Foreign keys</h3>
          {selected.item.foreign_keys.length === 0 ? (
            <p className="muted">No foreign keys.</p>
          ) : (
            <ul className="obs-defs">
              {selected.item.foreign_keys.map((f) => (
                <li key={f.name}>
                  <strong className="mono">{f.name}</strong>
                  <code>
                    ({f.columns.join(', ')}) → {f.references.schema}.{f.references.table} ({f.references.columns.join(', ')})
                  </code>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : null}
    </section>
  );
}
