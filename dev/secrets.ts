// The Worker's local secrets: an ES256 signing key and an AES-256 key. `npm start` keeps them in .orochi/ so
// sessions survive a restart; the tests make fresh ones per run.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';

export interface LocalSecrets {
  JWT_PRIVATE_KEY: string;
  ENCRYPTION_KEY: string;
}

export async function generateSecrets(): Promise<LocalSecrets> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `local-${Date.now().toString(36)}`, alg: 'ES256' };
  const aes = crypto.getRandomValues(new Uint8Array(32));
  return { JWT_PRIVATE_KEY: JSON.stringify(jwk), ENCRYPTION_KEY: Buffer.from(aes).toString('base64url') };
}

export async function loadOrCreateSecrets(file: string): Promise<LocalSecrets> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as LocalSecrets;
  const secrets = await generateSecrets();
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
