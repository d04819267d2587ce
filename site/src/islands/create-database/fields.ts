// The form's fields by the API's field paths, with the id of the input each one focuses: the API's field errors
// land under these paths, and a problem found on submit moves focus to its input.
import { DEFAULT_VERSION } from '../../lib/cluster-rules.ts';

export const FIELD_INPUTS = {
  name: 'db-name',
  project_id: 'db-project',
  version: `db-version-${DEFAULT_VERSION}`,
  region_id: 'db-region-group',
  size: 'db-size-group',
  storage_gb: 'db-storage',
  password: 'db-password',
} as const;

export type Field = keyof typeof FIELD_INPUTS;

export const isField = (path: string): path is Field => path in FIELD_INPUTS;

/** Messages by field: the API's refusals, or the form's own checks. */
export type FieldMessages = Partial<Record<Field, string>>;
