// The create form's checks as people type and on submit, the body it sends, the choices it starts with, and the
// password section's generator and strength meter (lib/cluster-rules.ts).
import { describe, expect, it } from 'vitest';
import { generatePassword, passwordStrength } from '../../lib/cluster-rules.ts';
import { defaultProjectId, defaultRegionId } from './choices.ts';
import { createRequest, firstProblem, shownErrors, type CreateValues, type Touched } from './validation.ts';

const blank: CreateValues = { name: '', project_id: '', version: '17', region_id: '', size: 'dev', storage_gb: '10', password: '' };
const valid: CreateValues = { ...blank, name: 'orders-db', region_id: 'rg_1' };
const typing: Touched = { name: false, password: false, submitted: false };
const left: Touched = { name: true, password: true, submitted: false };
const submitted: Touched = { ...typing, submitted: true };

describe('errors shown as people type', () => {
  it('shows nothing on an untouched form', () => {
    expect(shownErrors(blank, typing, {})).toEqual({ name: null, region_id: null, storage_gb: null, password: null });
  });

  it('shows what more typing cannot fix at once, and what it can only once the field is left', () => {
    expect(shownErrors({ ...blank, name: 'Shop' }, typing, {}).name).toBe('Use lowercase letters only.');
    expect(shownErrors({ ...blank, name: 'ab' }, typing, {}).name).toBeNull();
    expect(shownErrors({ ...blank, name: 'ab' }, left, {}).name).toBe('Use at least 3 characters.');
    expect(shownErrors({ ...blank, password: 'short' }, typing, {}).password).toBeNull();
    expect(shownErrors({ ...blank, password: 'short' }, left, {}).password).toBe('Use at least 12 characters (this is 5).');
    expect(shownErrors({ ...blank, password: 'with space' }, typing, {}).password).toBe('Use printable characters without spaces or accents.');
  });

  it('checks storage once it differs from the default', () => {
    expect(shownErrors({ ...blank, storage_gb: '1.5' }, typing, {}).storage_gb).toBe('Enter a whole number of GB.');
    expect(shownErrors({ ...blank, storage_gb: '0' }, typing, {}).storage_gb).toBe('Choose between 1 and 16,384 GB.');
  });

  it('asks for a name and a region once Create was pressed', () => {
    expect(shownErrors(blank, submitted, {})).toMatchObject({ name: 'Enter a name for the database.', region_id: 'Choose a region.' });
  });

  it("shows the API's message for a field its own check passes", () => {
    const server = { name: 'A database named orders-db already exists.', region_id: 'This region is no longer available. Choose another.' };
    expect(shownErrors(valid, submitted, server)).toMatchObject(server);
    expect(shownErrors({ ...valid, name: 'Bad' }, submitted, server).name).toBe('Use lowercase letters only.');
  });
});

describe('submitting', () => {
  it('stops at the first problem in the order of the form', () => {
    expect(firstProblem(blank)).toBe('name');
    expect(firstProblem({ ...blank, name: 'orders-db' })).toBe('region_id');
    expect(firstProblem({ ...valid, storage_gb: '' })).toBe('storage_gb');
    expect(firstProblem({ ...valid, password: 'short' })).toBe('password');
    expect(firstProblem(valid)).toBeNull();
  });

  it('sends storage as a number, and a project and a password only when there is one', () => {
    expect(createRequest(valid)).toEqual({ name: 'orders-db', region_id: 'rg_1', version: '17', size: 'dev', storage_gb: 10 });
    expect(createRequest({ ...valid, project_id: 'prj_1', password: 'a-long-password', size: 'large', storage_gb: '250' })).toEqual({
      name: 'orders-db',
      project_id: 'prj_1',
      region_id: 'rg_1',
      version: '17',
      size: 'large',
      storage_gb: 250,
      password: 'a-long-password',
    });
  });
});

describe('the choices the form starts with', () => {
  it('picks the first online region, else the first one, else none', () => {
    expect(defaultRegionId([{ id: 'rg_a', status: 'offline' }, { id: 'rg_b', status: 'online' }])).toBe('rg_b');
    expect(defaultRegionId([{ id: 'rg_a', status: 'pending' }, { id: 'rg_b', status: 'offline' }])).toBe('rg_a');
    expect(defaultRegionId([])).toBe('');
  });

  it("picks the organization's oldest project", () => {
    expect(defaultProjectId([{ id: 'prj_02' }, { id: 'prj_01' }, { id: 'prj_03' }])).toBe('prj_01');
    expect(defaultProjectId([])).toBeUndefined();
  });
});

describe('the password section', () => {
  it('generates passwords the API accepts, with every kind of character', () => {
    for (let i = 0; i < 50; i++) {
      const password = generatePassword(24);
      expect(password).toHaveLength(24);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[0-9]/);
      expect(password).toMatch(/^[A-Za-z0-9\-_.+=@%^~]+$/);
      expect(passwordStrength(password)).toMatchObject({ score: 4, label: 'Very strong' });
    }
  });

  it('rates length and mix, and marks what the API refuses', () => {
    expect(passwordStrength('short')).toEqual({ score: 0, label: 'Not accepted', detail: '5 characters: lowercase only' });
    expect(passwordStrength('abcdefghijkl')).toMatchObject({ score: 1, label: 'Weak' });
    expect(passwordStrength('abcdefghijklmnop')).toMatchObject({ score: 2, label: 'Fair' });
    expect(passwordStrength('abcdefghijklmnoP1')).toEqual({ score: 3, label: 'Strong', detail: '17 characters: lowercase, uppercase and digits' });
  });
});
