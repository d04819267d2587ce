// The API's rules for a new cluster, in words, so the create form can check as people type. The limits come from
// protocol/cluster-rules.ts, the same plain values the API's zod schemas are built from.

import {
  CLUSTER_NAME_MAX,
  CLUSTER_NAME_MIN,
  CLUSTER_NAME_PATTERN,
  CLUSTER_PASSWORD_MAX as PASSWORD_MAX,
  CLUSTER_PASSWORD_MIN as PASSWORD_MIN,
  CLUSTER_PASSWORD_PATTERN as PASSWORD_PATTERN,
  DEFAULT_POSTGRES_VERSION as DEFAULT_VERSION,
  DEFAULT_STORAGE_GB,
  postgresVersions as POSTGRES_VERSIONS,
  STORAGE_MAX_GB,
  STORAGE_MIN_GB,
  type PostgresVersion,
} from '../../../protocol/cluster-rules.ts';

export { CLUSTER_NAME_MAX, CLUSTER_NAME_MIN, CLUSTER_NAME_PATTERN, DEFAULT_STORAGE_GB, DEFAULT_VERSION, PASSWORD_MAX, PASSWORD_MIN, POSTGRES_VERSIONS, STORAGE_MAX_GB, STORAGE_MIN_GB, type PostgresVersion };

/** Roles holding clusters:write (ROLE_PERMISSIONS in core/identity/rbac.ts). */
const WRITER_ROLES: ReadonlySet<string> = new Set(['owner', 'admin', 'developer']);
export const canWriteClusters = (role: string | undefined): boolean => role !== undefined && WRITER_ROLES.has(role);

/**
 * What is wrong with a name, in words, or null. `complete` is false while someone is still typing: a name that
 * is merely too short, or ends in a hyphen they are about to follow with more, is not an error yet.
 */
export function clusterNameProblem(name: string, complete: boolean): string | null {
  if (name === '') return complete ? 'Enter a name for the database.' : null;
  if (/[A-Z]/.test(name)) return 'Use lowercase letters only.';
  if (/[^a-z0-9-]/.test(name)) return 'Use only lowercase letters, digits and hyphens (no spaces, dots or underscores).';
  if (name.startsWith('-')) return 'Start the name with a letter or a digit.';
  if (name.length > CLUSTER_NAME_MAX) return `Use at most ${CLUSTER_NAME_MAX} characters (this is ${name.length}).`;
  if (!complete) return null;
  if (name.endsWith('-')) return 'End the name with a letter or a digit.';
  if (name.length < CLUSTER_NAME_MIN) return `Use at least ${CLUSTER_NAME_MIN} characters.`;
  return CLUSTER_NAME_PATTERN.test(name) ? null : 'Use lowercase letters, digits and hyphens, not starting or ending with a hyphen.';
}

/** What is wrong with a storage size typed into the form, or null. */
export function storageProblem(text: string): string | null {
  if (text.trim() === '') return 'Enter the storage size in GB.';
  const value = Number(text);
  if (!Number.isInteger(value)) return 'Enter a whole number of GB.';
  if (value < STORAGE_MIN_GB || value > STORAGE_MAX_GB) return `Choose between ${STORAGE_MIN_GB} and ${STORAGE_MAX_GB.toLocaleString('en')} GB.`;
  return null;
}

/** What is wrong with a chosen password, or null (an empty one is fine: the API generates one). */
export function passwordProblem(password: string): string | null {
  if (password === '') return null;
  if (!PASSWORD_PATTERN.test(password)) return 'Use printable characters without spaces or accents.';
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters (this is ${password.length}).`;
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  return null;
}

const KINDS: ReadonlyArray<[RegExp, string]> = [
  [/[a-z]/, 'lowercase'],
  [/[A-Z]/, 'uppercase'],
  [/[0-9]/, 'digits'],
  [/[^a-zA-Z0-9]/, 'symbols'],
];

const kindsIn = (password: string) => KINDS.filter(([pattern]) => pattern.test(password)).map(([, word]) => word);
const characterKinds = (password: string) => kindsIn(password).length;

// Symbols that need no quoting in a shell (PGPASSWORD=...) or in env files; the API percent-encodes them in URIs.
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const SYMBOLS = '-_.+=@%^~';
const ALPHABET = LOWER + UPPER + DIGITS + SYMBOLS;

/** A random password of `length` characters with every kind of character, from crypto.getRandomValues. */
export function generatePassword(length = 24): string {
  for (;;) {
    let out = '';
    const bytes = new Uint8Array(length * 2);
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      // Rejection sampling: bytes past the last whole multiple of the alphabet would favour its first characters.
      if (byte >= 256 - (256 % ALPHABET.length)) continue;
      out += ALPHABET[byte % ALPHABET.length];
      if (out.length === length) break;
    }
    if (out.length === length && characterKinds(out) === 4) return out;
  }
}

export interface PasswordStrength {
  /** 0 when the API would refuse it, then 1 (weak) to 4 (very strong). */
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  detail: string;
}

/** A rough strength from length and kinds of characters: enough to steer people away from short, plain passwords. */
export function passwordStrength(password: string): PasswordStrength {
  const words = kindsIn(password);
  const kinds = words.length;
  const mix = kinds <= 1 ? `${words[0] ?? 'no letters'} only` : `${words.slice(0, -1).join(', ')} and ${words[kinds - 1]}`;
  const detail = `${password.length} character${password.length === 1 ? '' : 's'}: ${mix}`;
  if (passwordProblem(password) !== null) return { score: 0, label: 'Not accepted', detail };
  let score = 1;
  if (password.length >= 16) score++;
  if (kinds >= 3) score++;
  if (password.length >= 20 && kinds === 4) score++;
  const s = Math.min(score, 4) as 1 | 2 | 3 | 4;
  return { score: s, label: (['', 'Weak', 'Fair', 'Strong', 'Very strong'] as const)[s], detail };
}
