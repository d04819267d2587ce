// What will be created and what its compute costs, with the Create and Cancel buttons.
import { SIZE_TABLE } from '../../../../protocol/sizes.ts';
import { storageProblem } from '../../lib/cluster-rules.ts';
import { usd } from '../../lib/format.ts';
import type { RegionRow } from '../../lib/regions.ts';
import { pricePerHour, pricePerMonth } from './pricing.ts';
import type { CreateValues } from './validation.ts';

interface Props {
  values: CreateValues;
  region: RegionRow | undefined;
  sending: boolean;
  /** The organization has no region to create it in. */
  noRegions: boolean;
}

export function SummarySection({ values, region, sending, noRegions }: Props) {
  const { name, version, size, storage_gb: storage } = values;
  const spec = SIZE_TABLE[size];
  return (
    <section className="card create-section create-summary" aria-labelledby="create-summary">
      <h2 id="create-summary">Summary</h2>
      <p>
        <strong>{name || 'Your database'}</strong>: PostgreSQL {version}, {size} ({spec.vcpu} vCPU, {spec.memory_gb} GB RAM), {storageProblem(storage) ? '–' : `${Number(storage)} GB`} storage
        {region ? ` in ${region.name}` : ''}.
      </p>
      <p className="muted">
        Compute: {usd(pricePerHour(size))} per hour, about {usd(pricePerMonth(size))} per month running all the time.
      </p>
      <div className="create-actions">
        <a className="btn" href="/databases">Cancel</a>
        <button className="btn btn-primary" type="submit" disabled={sending || noRegions} aria-describedby={sending ? 'create-sending' : undefined}>
          {sending ? 'Creating…' : 'Create database'}
        </button>
      </div>
      {sending ? <p id="create-sending" className="visually-hidden" role="status">Creating the database…</p> : null}
    </section>
  );
}
