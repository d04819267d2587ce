import { expect, it } from 'vitest';
import { toCsv } from './csv.ts';

it('writes a result as RFC 4180 CSV: quoted where needed, NULL as an empty field, JSON for objects', () => {
  const csv = toCsv(['id', 'note', 'tags'], [
    [1, 'plain', null],
    [2, 'with, comma and "quotes"', ['a', 'b']],
    [3, 'two\nlines', { k: 1 }],
  ]);
  expect(csv).toBe('id,note,tags\r\n1,plain,\r\n2,"with, comma and ""quotes""","[""a"",""b""]"\r\n3,"two\nlines","{""k"":1}"\r\n');
});
