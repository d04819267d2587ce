// The storage size in GB: it can grow later, never shrink.
import { TextField } from '../../components/ui.tsx';
import { STORAGE_MAX_GB, STORAGE_MIN_GB } from '../../lib/cluster-rules.ts';
import { FIELD_INPUTS } from './fields.ts';

interface Props {
  /** As typed. */
  storage: string;
  error: string | null;
  onStorage: (storage: string) => void;
}

export function StorageField({ storage, error, onStorage }: Props) {
  return (
    <TextField
      id={FIELD_INPUTS.storage_gb}
      label="Storage (GB)"
      name="storage_gb"
      type="number"
      inputMode="numeric"
      min={STORAGE_MIN_GB}
      max={STORAGE_MAX_GB}
      step={1}
      value={storage}
      onChange={(e) => onStorage(e.target.value)}
      hint={`A whole number from ${STORAGE_MIN_GB} to ${STORAGE_MAX_GB.toLocaleString('en')} GB. It can grow later, not shrink.`}
      error={error}
      className="storage-input"
    />
  );
}
