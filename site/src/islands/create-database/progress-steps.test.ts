// How far a new database has got, in the words the progress view shows.
import { describe, expect, it } from 'vitest';
import { isFailed, isHandedOver, stepWords } from './progress-steps.ts';

describe('the create progress', () => {
  it('is handed over once the operation runs or the database does', () => {
    expect(isHandedOver('pending', 'provisioning')).toBe(false);
    expect(isHandedOver('running', 'provisioning')).toBe(true);
    expect(isHandedOver('finished', 'provisioning')).toBe(true);
    expect(isHandedOver('pending', 'running')).toBe(true);
    expect([isFailed('failed'), isFailed('cancelled'), isFailed('running')]).toEqual([true, true, false]);
  });

  it('says whether the work waits for an agent', () => {
    expect(stepWords('pending', 'eu-1', false)).toBe('Accepted; handing the work to eu-1');
    expect(stepWords('running', 'eu-1', true)).toBe('Handed to eu-1, where it waits for the agent to connect');
    expect(stepWords('running', 'eu-1', false)).toBe('Handed to eu-1: its agent is creating the database');
    expect(stepWords('finished', 'eu-1', false)).toBe('Created');
  });
});
