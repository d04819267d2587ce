// Where an answer from POST /v1/clusters that refused the database shows on the form: messages the API gave for a
// field go under that field, the rest in one message at the top.
import { isField, type FieldMessages } from './fields.ts';

/** What the form needs of lib/api.ts's ApiFailure (kept structural so this stays free of the API client). */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  fields: Record<string, string>;
}

export interface PlacedRefusal {
  fields: FieldMessages;
  /** The message above the form, or null when the field messages say it all. */
  top: string | null;
  /** A definite answer (4xx) is stored with its Idempotency-Key: a retry, changed or not, needs a fresh key. */
  keySpent: boolean;
}

/** "at least 3 characters" -> "At least 3 characters." */
export const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

export function placeRefusal(refusal: Refusal): PlacedRefusal {
  const fields: FieldMessages = {};
  const others: string[] = [];
  for (const [path, message] of Object.entries(refusal.fields)) {
    if (isField(path)) fields[path] = sentence(message);
    else others.push(`${path}: ${message}`);
  }
  if (refusal.code === 'conflict' && /already exists/.test(refusal.message)) fields.name = `${sentence(refusal.message)} Choose another name.`;
  if (refusal.status === 404 && /^Region/.test(refusal.message)) fields.region_id = 'This region is no longer available. Choose another.';
  const placed = Object.keys(fields).length > 0;
  let top: string | null = null;
  if (refusal.code === 'quota_exceeded') top = `Your plan's limit is reached: ${sentence(refusal.message)}`;
  else if (refusal.status === 429) top = 'Too many requests. Wait a moment, then try again.';
  else if (!placed) top = refusal.message;
  else if (others.length > 0) top = `Some values were not accepted: ${others.join('; ')}.`;
  else if (refusal.code === 'validation_failed') top = 'Some values were not accepted. Check the fields marked below.';
  return { fields, top, keySpent: refusal.status >= 400 && refusal.status < 500 };
}
