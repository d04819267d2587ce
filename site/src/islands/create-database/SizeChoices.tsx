// The size: what each gives (vCPU, RAM, connections) and costs per hour.
import { clusterSizes, SIZE_TABLE, type ClusterSize } from '../../../../protocol/sizes.ts';
import { usd } from '../../lib/format.ts';
import { FIELD_INPUTS } from './fields.ts';
import { pricePerHour } from './pricing.ts';

interface Props {
  size: ClusterSize;
  error: string | undefined;
  onSize: (size: ClusterSize) => void;
}

export function SizeChoices({ size, error, onSize }: Props) {
  return (
    <fieldset className="choices" id={FIELD_INPUTS.size} tabIndex={-1} aria-describedby={error ? 'db-size-error' : undefined}>
      <legend>Size</legend>
      <div className="choice-grid">
        {clusterSizes.map((s) => {
          const item = SIZE_TABLE[s];
          return (
            <label key={s} className="choice">
              <input type="radio" name="size" value={s} checked={size === s} onChange={() => onSize(s)} />
              <span className="choice-body">
                <span className="choice-title">{s}</span>
                <span className="choice-meta">
                  {item.vcpu} vCPU · {item.memory_gb} GB RAM
                </span>
                <span className="choice-meta">{item.max_connections.toLocaleString('en')} connections</span>
                <span className="choice-price">{usd(pricePerHour(s))} / hour</span>
              </span>
            </label>
          );
        })}
      </div>
      {error ? <p id="db-size-error" className="error-text" role="alert">{error}</p> : null}
    </fieldset>
  );
}
