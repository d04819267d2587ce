// Region agents authenticate with their own credential (see signAgentCredential), never a user's token. The
// credential names a region; the region must still exist and not be revoked, checked in the catalog each time,
// so deleting a region cuts its agent off at once rather than when the credential expires.
import { and, eq, isNull } from 'drizzle-orm';
import { regions } from '../../drizzle/schema.ts';
import { query, type AppContext } from '../context.ts';
import { ApiError } from '../../core/errors.ts';
import { verifyAgentCredential } from '../../core/identity/tokens.ts';

export async function requireAgentRegion(c: AppContext) {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  if (!match) throw new ApiError('unauthorized', 'Send the agent credential as Authorization: Bearer <credential>');
  const claims = await verifyAgentCredential(c.var.settings.JWT_PRIVATE_KEY, match[1]!);
  if (!claims) throw new ApiError('unauthorized', 'The agent credential is invalid or expired; register again');
  const [region] = await query(c)
    .select()
    .from(regions)
    .where(and(eq(regions.id, claims.regionId), isNull(regions.revokedAt)))
    .limit(1);
  if (!region) throw new ApiError('unauthorized', 'The region of this credential has been deleted');
  return region;
}
