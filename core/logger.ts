// Structured JSON logs, one object per line, for the Worker, the Durable Objects and the queue consumers. Callers
// pass fields they chose and nothing here serialises request bodies or headers; as a second line of defence, any
// field whose name looks like it holds a secret (password, token, secret, key, credential, authorization, cookie)
// is written as "[redacted]", at any depth.
type Level = 'debug' | 'info' | 'warn' | 'error';

const SECRET_KEY = /pass(word)?|token|secret|credential|authori[sz]ation|cookie|api[-_]?key|private[-_]?key|^key$|_key$|ciphertext|sealed/i;
const MAX_DEPTH = 6;

/** A copy of `value` with the values of secret-looking keys replaced; cycles and deep nesting are cut. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  if (value instanceof Error) return { name: value.name, message: value.message };
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? '[redacted]' : redact(field, depth + 1, seen);
  }
  return out;
}

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...(redact(fields) as Record<string, unknown>) });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
