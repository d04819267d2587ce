// Where the real CloudNativePG CRDs live: the project's shared folder, beside the repository (as it is both on
// developer machines and in CI), unless OROCHI_K8S_SCHEMAS names another copy.
import { resolve } from 'node:path';

export const K8S_SCHEMA_DIR = process.env.OROCHI_K8S_SCHEMAS ?? resolve(import.meta.dirname, '../../../shared/k8s-schemas');
