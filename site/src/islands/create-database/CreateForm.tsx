// The create form: its sections in order, over the state in form-state.ts; once the API accepts, the progress.
import { Notice } from '../../components/ui.tsx';
import type { Organization } from '../../lib/session.ts';
import { CreationProgress } from './CreationProgress.tsx';
import { useCreateForm } from './form-state.ts';
import { NameSection } from './NameSection.tsx';
import { PasswordSection } from './PasswordSection.tsx';
import { RegionSection } from './RegionSection.tsx';
import { SizeChoices } from './SizeChoices.tsx';
import { StorageField } from './StorageField.tsx';
import { SummarySection } from './SummarySection.tsx';
import { VersionSection } from './VersionSection.tsx';

export function CreateForm({ org }: { org: Organization }) {
  const form = useCreateForm(org.id);
  const { values, errors, serverFields, region, edit, finish } = form;

  if (form.created) return <CreationProgress orgId={org.id} created={form.created} />;

  return (
    <form className="create-form" onSubmit={form.submit} noValidate aria-describedby={form.topError ? 'create-top-error' : undefined}>
      {form.topError ? (
        <div ref={form.topErrorRef} tabIndex={-1} id="create-top-error" className="create-top-error">
          <Notice>{form.topError}</Notice>
        </div>
      ) : null}
      <NameSection
        name={values.name}
        error={errors.name}
        region={region}
        projects={form.projects}
        projectId={values.project_id}
        projectError={serverFields.project_id}
        onName={(name) => edit('name', name)}
        onNameLeft={() => finish('name')}
        onProject={(id) => edit('project_id', id)}
      />
      <VersionSection version={values.version} error={serverFields.version} onVersion={(v) => edit('version', v)} />
      <RegionSection orgName={org.name} list={form.regionList} regionId={values.region_id} region={region} error={errors.region_id} onRegion={(id) => edit('region_id', id)} />
      {/* Size and storage share a card: together they are what the database is given. */}
      <section className="card create-section">
        <SizeChoices size={values.size} error={serverFields.size} onSize={(s) => edit('size', s)} />
        <StorageField storage={values.storage_gb} error={errors.storage_gb} onStorage={(s) => edit('storage_gb', s)} />
      </section>
      <PasswordSection password={values.password} error={errors.password} onPassword={(p) => edit('password', p)} onPasswordDone={() => finish('password')} />
      <SummarySection values={values} region={region} sending={form.sending} noRegions={form.regionList.regions?.length === 0} />
    </form>
  );
}
