// How the API's refusals of a new database land on the form, and when the Idempotency-Key must be renewed.
import { describe, expect, it } from 'vitest';
import { placeRefusal, sentence } from './api-refusal.ts';

const refusal = (status: number, code: string, message: string, fields: Record<string, string> = {}) => ({ status, code, message, fields });

describe("the API's refusal on the form", () => {
  it('puts field messages under their fields as sentences, and names the rest at the top', () => {
    expect(placeRefusal(refusal(400, 'validation_failed', 'Invalid request', { storage_gb: 'too big', 'labels.x': 'not allowed' }))).toEqual({
      fields: { storage_gb: 'Too big.' },
      top: 'Some values were not accepted: labels.x: not allowed.',
      keySpent: true,
    });
    expect(placeRefusal(refusal(400, 'validation_failed', 'Invalid request', { name: 'at least 3 characters' }))).toEqual({
      fields: { name: 'At least 3 characters.' },
      top: 'Some values were not accepted. Check the fields marked below.',
      keySpent: true,
    });
  });

  it('puts a taken name under the name and a vanished region under the region', () => {
    expect(placeRefusal(refusal(409, 'conflict', 'A cluster named shop already exists in this project'))).toEqual({
      fields: { name: 'A cluster named shop already exists in this project. Choose another name.' },
      top: null,
      keySpent: true,
    });
    expect(placeRefusal(refusal(404, 'not_found', 'Region not found')).fields).toEqual({ region_id: 'This region is no longer available. Choose another.' });
  });

  it('says a reached quota and too many requests at the top', () => {
    expect(placeRefusal(refusal(403, 'quota_exceeded', 'at most 3 clusters')).top).toBe("Your plan's limit is reached: At most 3 clusters.");
    expect(placeRefusal(refusal(429, 'rate_limited', 'slow down')).top).toBe('Too many requests. Wait a moment, then try again.');
  });

  it("keeps the key after an answer that may not be the API's last word", () => {
    expect(placeRefusal(refusal(500, 'internal_error', 'Something went wrong'))).toEqual({ fields: {}, top: 'Something went wrong', keySpent: false });
    expect(placeRefusal(refusal(0, 'network_error', 'Could not reach Orochi Cloud.')).keySpent).toBe(false);
  });

  it('makes sentences of fragments and leaves sentences alone', () => {
    expect(sentence('at least 3 characters')).toBe('At least 3 characters.');
    expect(sentence('Is it taken?')).toBe('Is it taken?');
  });
});
