// The create form's state: its values, what to show under each field as people type, and the submit: checked
// first, then sent once with an Idempotency-Key (a repeated submit is the same request), its refusal placed on the
// form, or the accepted database handed to the progress view.
import { useRef, useState, type FormEvent } from 'react';
import type { Cluster, Operation } from '../../../../protocol/resources.ts';
import { api, ApiFailure, errorText, unwrap } from '../../lib/api.ts';
import { DEFAULT_STORAGE_GB, DEFAULT_VERSION } from '../../lib/cluster-rules.ts';
import type { RegionRow } from '../../lib/regions.ts';
import { placeRefusal } from './api-refusal.ts';
import { defaultProjectId, defaultRegionId } from './choices.ts';
import { FIELD_INPUTS, type Field, type FieldMessages } from './fields.ts';
import { useProjectList } from './project-list.ts';
import { useRegionList } from './region-list.ts';
import { createRequest, firstProblem, shownErrors, type CreateValues, type Touched } from './validation.ts';

export interface Created {
  cluster: Cluster;
  operation: Operation;
  region: RegionRow | undefined;
}

const focusField = (field: Field) => document.getElementById(FIELD_INPUTS[field])?.focus();

export function useCreateForm(orgId: string) {
  // region_id and project_id hold what was chosen; until then the defaults below apply.
  const [chosen, setChosen] = useState<CreateValues>({
    name: '',
    project_id: '',
    version: DEFAULT_VERSION,
    region_id: '',
    size: 'dev',
    storage_gb: String(DEFAULT_STORAGE_GB),
    password: '',
  });
  const [touched, setTouched] = useState<Touched>({ name: false, password: false, submitted: false });
  const [serverFields, setServerFields] = useState<FieldMessages>({});
  const [sending, setSending] = useState(false);
  const [topError, setTopError] = useState<string | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const sendingRef = useRef(false);
  const idempotency = useRef<{ key: string; body: string } | null>(null);
  const topErrorRef = useRef<HTMLDivElement>(null);
  const regionList = useRegionList(orgId);
  const projects = useProjectList(orgId);

  const values: CreateValues = {
    ...chosen,
    region_id: chosen.region_id || defaultRegionId(regionList.regions ?? []),
    project_id: chosen.project_id || (defaultProjectId(projects ?? []) ?? ''),
  };
  const region = regionList.regions?.find((r) => r.id === values.region_id);
  const errors = shownErrors(values, touched, serverFields);

  /** A new value for a field; the API's message about the old one no longer applies. */
  function edit<F extends Field>(field: F, value: CreateValues[F]) {
    setChosen((v) => ({ ...v, [field]: value }));
    setServerFields((f) => (f[field] ? { ...f, [field]: undefined } : f));
    // A password being typed again is checked as typing until it is left again.
    if (field === 'password') setTouched((t) => ({ ...t, password: false }));
  }

  /** The field was left (or, for the password, generated): its value is complete. */
  const finish = (field: 'name' | 'password') => setTouched((t) => ({ ...t, [field]: true }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (sendingRef.current) return;
    setTouched((t) => ({ ...t, submitted: true }));
    setTopError(null);
    const problem = firstProblem(values);
    if (problem) {
      focusField(problem);
      return;
    }
    const json = createRequest(values);
    // The same body keeps its key until the API answers it for good, so a retry after a lost answer (or a second
    // click) is recognised as the same request and cannot create a second database.
    const body = JSON.stringify(json);
    if (idempotency.current?.body !== body) idempotency.current = { key: `create-db-${crypto.randomUUID()}`, body };
    sendingRef.current = true;
    setSending(true);
    try {
      const result = await unwrap(api.v1.clusters.$post({ json }, { headers: { 'Idempotency-Key': idempotency.current.key } }));
      setCreated({ cluster: result.cluster, operation: result.operation, region });
    } catch (error) {
      sendingRef.current = false;
      setSending(false);
      showFailure(error);
    }
  }

  function showFailure(error: unknown) {
    if (!(error instanceof ApiFailure)) {
      setTopError(errorText(error));
      return;
    }
    const { fields, top, keySpent } = placeRefusal(error);
    if (keySpent) idempotency.current = null;
    setServerFields(fields);
    setTopError(top);
    const firstField = (Object.keys(FIELD_INPUTS) as Field[]).find((f) => fields[f]);
    requestAnimationFrame(() => {
      if (top) topErrorRef.current?.focus();
      else if (firstField) focusField(firstField);
    });
  }

  return { values, errors, serverFields, regionList, region, projects, sending, topError, topErrorRef, created, edit, finish, submit };
}

