import { describe, expect, it } from 'vitest';
import { addToHistory, HISTORY_MAX, historyKey, readHistory, type KeyValueStore } from './query-history.ts';

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

const entry = (sql: string, cluster_id = 'cl_a') => ({ sql, cluster_id, at: '2026-11-27T12:00:00.000Z', ok: true });

describe('the SQL history', () => {
  it('keeps each user their own statements, newest first, a repeated statement moved to the top', () => {
    const store = memoryStore();
    addToHistory(store, 'us_1', entry('select 1'));
    addToHistory(store, 'us_1', entry('select 2'));
    addToHistory(store, 'us_1', entry('  select 1  '));
    addToHistory(store, 'us_2', entry('select 3'));
    expect(readHistory(store, 'us_1').map((e) => e.sql)).toEqual(['select 1', 'select 2']);
    expect(readHistory(store, 'us_2').map((e) => e.sql)).toEqual(['select 3']);
    // The same text on another database is another entry.
    expect(addToHistory(store, 'us_1', entry('select 2', 'cl_b')).map((e) => `${e.cluster_id}:${e.sql}`)).toEqual(['cl_b:select 2', 'cl_a:select 1', 'cl_a:select 2']);
  });

  it(`keeps the last ${HISTORY_MAX}, ignores empty statements, and survives a corrupt entry`, () => {
    const store = memoryStore();
    for (let i = 0; i < HISTORY_MAX + 5; i++) addToHistory(store, 'us_1', entry(`select ${i}`));
    const history = readHistory(store, 'us_1');
    expect(history).toHaveLength(HISTORY_MAX);
    expect(history[0]!.sql).toBe(`select ${HISTORY_MAX + 4}`);
    expect(addToHistory(store, 'us_1', entry('   '))).toHaveLength(HISTORY_MAX);
    store.data.set(historyKey('us_1'), '{not json');
    expect(readHistory(store, 'us_1')).toEqual([]);
    store.data.set(historyKey('us_1'), JSON.stringify([{ sql: 1 }, entry('ok')]));
    expect(readHistory(store, 'us_1').map((e) => e.sql)).toEqual(['ok']);
  });
});
