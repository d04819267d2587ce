import { describe, expect, it } from 'vitest';
import { canQuery, cellText, errorOffset, explainPrefix, explainSql, newQueryId } from './sql-console.ts';

describe('the SQL console', () => {
  it('picks query ids of the shape the API accepts, different each time', () => {
    const a = newQueryId();
    expect(a).toMatch(/^qr_[0-9abcdefghjkmnpqrstvwxyz]{26}$/);
    expect(newQueryId()).not.toBe(a);
    expect(newQueryId((b) => b.fill(255))).toBe(`qr_${'z'.repeat(26)}`);
  });

  it('lets developers and above run statements, not viewers or billing', () => {
    expect(['owner', 'admin', 'developer'].every((r) => canQuery(r as 'owner'))).toBe(true);
    expect(canQuery('viewer')).toBe(false);
    expect(canQuery('billing')).toBe(false);
    expect(canQuery(null)).toBe(false);
  });

  it('wraps a statement in EXPLAIN, with ANALYZE when asked, dropping a final semicolon', () => {
    expect(explainSql('select 1;', false)).toBe('EXPLAIN (FORMAT TEXT) select 1');
    expect(explainSql('select 1', true)).toBe('EXPLAIN (ANALYZE, FORMAT TEXT) select 1');
  });

  it('maps PostgreSQL error positions (1-based characters) to editor offsets, also through the EXPLAIN prefix', () => {
    expect(errorOffset('selec 1', 1)).toBe(0);
    expect(errorOffset('select * from nope', 15)).toBe(14);
    // A character outside the BMP is one position for PostgreSQL and two UTF-16 units for the editor.
    expect(errorOffset("select '😀', nope", 14)).toBe(14);
    expect(errorOffset('select nope', null)).toBeNull();
    expect(errorOffset('select 1', 99)).toBeNull();
    const prefix = explainPrefix(false);
    expect(errorOffset('select * from nope', prefix.length + 15, prefix)).toBe(14);
  });

  it('shows NULL for null cells and JSON for structured ones', () => {
    expect(cellText(null)).toBe('NULL');
    expect(cellText({ a: 1 })).toBe('{"a":1}');
    expect(cellText(42)).toBe('42');
  });
});
