// Cluster passwords arrive sealed with the region's key (workers/lib/crypto.ts: AES-256-GCM, `v1.<iv>.<ct>`);
// they are opened with that very module, so the format has one definition.
export { seal, unseal } from '../workers/lib/crypto.ts';
