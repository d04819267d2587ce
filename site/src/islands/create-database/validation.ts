// Checking the form as people type and when they submit, with the API's rules (lib/cluster-rules.ts). While
// someone is still typing, only what more typing cannot fix is shown; everything shows once a field is left or the
// form is submitted. An error the API gave for a field shows until that field changes.
import type { ClusterSize } from '../../../../protocol/sizes.ts';
import { clusterNameProblem, DEFAULT_STORAGE_GB, passwordProblem, storageProblem, type PostgresVersion } from '../../lib/cluster-rules.ts';
import type { Field, FieldMessages } from './fields.ts';

/** The form's values by the API's field paths; empty strings where nothing is chosen or typed. */
export interface CreateValues {
  name: string;
  project_id: string;
  version: PostgresVersion;
  region_id: string;
  size: ClusterSize;
  /** As typed: checked by storageProblem, sent as a number. */
  storage_gb: string;
  /** Empty: the API generates one. */
  password: string;
}

export interface Touched {
  /** The name field was left with something in it. */
  name: boolean;
  /** The password field was left with something in it, or the password was generated. */
  password: boolean;
  /** Create was pressed at least once. */
  submitted: boolean;
}

const CHOOSE_REGION = 'Choose a region.';

export type ShownErrors = Record<'name' | 'region_id' | 'storage_gb' | 'password', string | null>;

/** The errors to show under the fields now. */
export function shownErrors(values: CreateValues, touched: Touched, server: FieldMessages): ShownErrors {
  const { submitted } = touched;
  const storageEdited = values.storage_gb !== String(DEFAULT_STORAGE_GB);
  const passwordNow = passwordProblem(values.password);
  // Too short is fixed by typing on; a character the API refuses is worth saying at once.
  const passwordFinal = passwordNow !== null && !passwordNow.startsWith('Use at least');
  return {
    name: clusterNameProblem(values.name, touched.name || submitted) ?? server.name ?? null,
    region_id: (submitted && !values.region_id ? CHOOSE_REGION : null) ?? server.region_id ?? null,
    storage_gb: (submitted || storageEdited ? storageProblem(values.storage_gb) : null) ?? server.storage_gb ?? null,
    password: (touched.password || submitted || passwordFinal ? passwordNow : null) ?? server.password ?? null,
  };
}

/** The first field, in the form's order, that stops a submit; null when the form can be sent. */
export function firstProblem(values: CreateValues): Field | null {
  const problems: Array<[Field, string | null]> = [
    ['name', clusterNameProblem(values.name, true)],
    ['region_id', values.region_id ? null : CHOOSE_REGION],
    ['storage_gb', storageProblem(values.storage_gb)],
    ['password', passwordProblem(values.password)],
  ];
  return problems.find(([, problem]) => problem !== null)?.[0] ?? null;
}

/** The body of POST /v1/clusters, for a form that passed firstProblem. */
export function createRequest(values: CreateValues) {
  return {
    name: values.name,
    ...(values.project_id ? { project_id: values.project_id } : {}),
    region_id: values.region_id,
    version: values.version,
    size: values.size,
    storage_gb: Number(values.storage_gb),
    ...(values.password ? { password: values.password } : {}),
  };
}
