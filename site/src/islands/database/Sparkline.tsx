// A small line of a series' recent values, drawn as SVG (no chart library, so the Overview stays light), with its
// current value as text and the trend in words for screen readers.
import { sparklinePath } from '../../lib/sparkline.ts';
import { latestValue, summarize } from '../../lib/time-range.ts';

interface Props {
  label: string;
  values: (number | null)[];
  format: (value: number) => string;
  testId?: string;
}

const WIDTH = 120;
const HEIGHT = 32;

export function Sparkline({ label, values, format, testId }: Props) {
  const now = latestValue(values);
  const s = summarize(values);
  const words = s ? `${label} over the last hour: now ${now === null ? 'unknown' : format(now)}, between ${format(s.min)} and ${format(s.max)}` : `${label}: no samples in the last hour yet`;
  return (
    <div className="obs-spark" data-testid={testId} data-points={s?.count ?? 0}>
      <span className="obs-spark-label">{label}</span>
      <strong className="obs-spark-value">{now === null ? '—' : format(now)}</strong>
      <svg className="obs-spark-line" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={words}>
        <path d={sparklinePath(values, WIDTH, HEIGHT)} />
      </svg>
    </div>
  );
}
