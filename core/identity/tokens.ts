// Access tokens and agent credentials: short-lived ES256 JWTs signed with jose. The private key is a JWK in
// JWT_PRIVATE_KEY (generated into .orochi/ by the local stack; a Worker secret in production); its public half
// verifies. Both kinds share the key but not the audience, so neither is ever accepted in place of the other.
import { SignJWT, importJWK, jwtVerify, type JWK, type CryptoKey as JoseKey } from 'jose';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
const ISSUER = 'orochi-cloud';
const AUDIENCE = 'orochi-api';
const AGENT_AUDIENCE = 'orochi-agent';
export const AGENT_CREDENTIAL_TTL_SECONDS = 60 * 60;

interface KeyPair {
  kid: string;
  privateKey: JoseKey;
  publicKey: JoseKey;
}

const keyCache = new Map<string, Promise<KeyPair>>();

function keys(privateJwk: string): Promise<KeyPair> {
  let pair = keyCache.get(privateJwk);
  if (!pair) {
    pair = (async () => {
      const jwk = JSON.parse(privateJwk) as JWK;
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new Error('JWT_PRIVATE_KEY must be a P-256 private JWK');
      const { d: _d, ...publicJwk } = jwk;
      return {
        kid: jwk.kid ?? 'default',
        privateKey: (await importJWK(jwk, 'ES256')) as JoseKey,
        publicKey: (await importJWK(publicJwk, 'ES256')) as JoseKey,
      };
    })();
    keyCache.set(privateJwk, pair);
  }
  return pair;
}

export interface AccessClaims {
  userId: string;
  orgId: string | null;
  sessionId: string;
}

export async function signAccessToken(privateJwk: string, claims: AccessClaims): Promise<string> {
  const { kid, privateKey } = await keys(privateJwk);
  return new SignJWT({ org: claims.orgId, sid: claims.sessionId })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.userId)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(privateKey);
}

/** Returns the claims of a valid token, or null for any expired, tampered or foreign one. */
export async function verifyAccessToken(privateJwk: string, token: string): Promise<AccessClaims | null> {
  const { publicKey } = await keys(privateJwk);
  try {
    // A token without an expiry would be valid forever: refused, like one without its session.
    const { payload } = await jwtVerify(token, publicKey, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'iat', 'sub', 'sid'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return null;
    return { userId: payload.sub, orgId: typeof payload.org === 'string' ? payload.org : null, sessionId: payload.sid };
  } catch {
    return null;
  }
}

export interface AgentCredential {
  credential: string;
  expiresAt: Date;
}

/** A region agent's credential: the subject is the region, and it grants nothing on the user API. */
export async function signAgentCredential(privateJwk: string, regionId: string): Promise<AgentCredential> {
  const { kid, privateKey } = await keys(privateJwk);
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + AGENT_CREDENTIAL_TTL_SECONDS;
  const credential = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AGENT_AUDIENCE)
    .setSubject(regionId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(privateKey);
  return { credential, expiresAt: new Date(expiresAt * 1000) };
}

/** The region a valid agent credential is for, or null for any expired, tampered or foreign token. */
export async function verifyAgentCredential(privateJwk: string, token: string): Promise<{ regionId: string } | null> {
  const { publicKey } = await keys(privateJwk);
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      issuer: ISSUER,
      audience: AGENT_AUDIENCE,
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return null;
    return { regionId: payload.sub };
  } catch {
    return null;
  }
}
