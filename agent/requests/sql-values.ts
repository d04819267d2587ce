// A result value as the SQL editor receives it, from the server's text output. Numbers only where JSON holds them
// exactly (int2, int4, oid, finite floats); booleans as JSON booleans; everything else as PostgreSQL prints it:
// int8 and numeric (beyond a double's precision), dates and times (with the session's zone), bytea (`\x…` hex),
// arrays (`{1,2}`), and json/jsonb too, kept as text rather than parsed, since parsing would round big numbers and
// fold json's duplicate keys, and the grid shows the text anyway.

const BOOL = 16;
const INT2 = 21;
const INT4 = 23;
const OID = 26;
const FLOAT4 = 700;
const FLOAT8 = 701;

export function jsonValue(text: string | null, typeOid: number): unknown {
  if (text === null) return null;
  switch (typeOid) {
    case BOOL:
      return text === 't';
    case INT2:
    case INT4:
    case OID:
      return Number(text);
    case FLOAT4:
    case FLOAT8: {
      // NaN and ±Infinity have no JSON number: they stay text.
      const value = Number(text);
      return Number.isFinite(value) ? value : text;
    }
    default:
      return text;
  }
}
