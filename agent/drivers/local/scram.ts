// SCRAM-SHA-256 verifiers computed here rather than by the server: `CREATE ROLE ... PASSWORD '<verifier>'`
// stores the verifier as is, so the clear password never travels in SQL text and cannot surface in a server
// log line (Postgres logs a failing statement's text). The same computation tells whether a stored verifier
// belongs to a password, which makes "is the password already this one?" a real observation.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);
const ITERATIONS = 4096; // Postgres's default scram_iterations

// Postgres runs passwords through SASLprep; NFKC is its core, and generated passwords are ASCII anyway.
function prepare(password: string): string {
  return /^[\x20-\x7e]*$/.test(password) ? password : password.normalize('NFKC');
}

async function keys(password: string, salt: Buffer, iterations: number): Promise<{ storedKey: Buffer; serverKey: Buffer }> {
  const salted = await pbkdf2Async(prepare(password), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return {
    storedKey: createHash('sha256').update(clientKey).digest(),
    serverKey: createHmac('sha256', salted).update('Server Key').digest(),
  };
}

export async function scramVerifier(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { storedKey, serverKey } = await keys(password, salt, ITERATIONS);
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Whether `verifier` (as stored in pg_authid.rolpassword) was made from `password`. */
export async function verifierMatches(verifier: string | null, password: string): Promise<boolean> {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier ?? '');
  if (!match) return false;
  const { storedKey } = await keys(password, Buffer.from(match[2]!, 'base64'), Number(match[1]));
  const expected = Buffer.from(match[3]!, 'base64');
  return expected.length === storedKey.length && timingSafeEqual(expected, storedKey);
}
