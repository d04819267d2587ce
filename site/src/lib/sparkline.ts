// The path of a sparkline: a series' values scaled into a small box, lowest at the bottom, gaps breaking the line.
import { summarize } from './time-range.ts';

/** SVG path data of the non-null values in a `width` x `height` box (1 unit of margin above and below). */
export function sparklinePath(values: readonly (number | null)[], width: number, height: number): string {
  const s = summarize(values);
  if (!s) return '';
  const span = s.max - s.min || 1;
  let path = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    const x = values.length === 1 ? width : (i / (values.length - 1)) * width;
    // A flat series sits in the middle rather than on the floor.
    const y = s.max === s.min ? height / 2 : height - 1 - ((v - s.min) / span) * (height - 2);
    const point = `${+x.toFixed(1)} ${+y.toFixed(1)}`;
    // A point alone between gaps is drawn as a zero-length segment, which a round line cap shows as a dot.
    const alone = !pen && (values[i + 1] ?? null) === null;
    path += alone ? `M${point} L${point} ` : `${pen ? 'L' : 'M'}${point} `;
    pen = true;
  });
  return path.trim();
}
