// Opaque, type-prefixed, time-ordered IDs (`cl_01jd3k...`): 48 bits of milliseconds then 80 random bits in
// lowercase Crockford base32, so ordering by id is ordering by creation and cursors need only the id. In the protocol
// because ids cross it both ways: the agent names the scheduled backups it takes.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix =
  | 'usr' | 'org' | 'prj' | 'cl' | 'op' | 'rg' | 'key' | 'bk' | 'br' | 'ev' | 'inv' | 'aud' | 'rt' | 'tok' | 'mail' | 'req' | 'fam'
  | 'cmd' | 'ag' | 'rs' | 'qr' | 'wh' | 'whd' | 'msg';

function timePart(ms: number): string {
  let time = ms;
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[time % 32] + out;
    time = Math.floor(time / 32);
  }
  return out;
}

export function newId(prefix: IdPrefix): string {
  let out = timePart(Date.now());
  const random = crypto.getRandomValues(new Uint8Array(16));
  for (const byte of random) out += ALPHABET[byte % 32];
  return `${prefix}_${out}`;
}

/** The smallest id of `prefix` made at or after `ms`: ids ordered from it are the ones made since. */
export function firstIdAt(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${timePart(ms)}${'0'.repeat(16)}`;
}

export const ID_PATTERN = /^[a-z]{1,8}_[0-9a-z]{26}$/;
