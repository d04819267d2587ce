import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../core/settings.ts';
import { type Bindings } from './env.ts';

const withPlan = (DEFAULT_PLAN: string | undefined) => parseSettings({ ...(env as unknown as Bindings), DEFAULT_PLAN });

describe('parseSettings: DEFAULT_PLAN, the plan new organizations start on', () => {
  it('is free when unset, and free as wrangler.toml sets it for production', () => {
    expect(withPlan(undefined).DEFAULT_PLAN).toBe('free');
    expect((env as unknown as Bindings).DEFAULT_PLAN).toBe('free');
  });

  it('takes any plan', () => {
    for (const plan of ['free', 'pro', 'team', 'enterprise']) expect(withPlan(plan).DEFAULT_PLAN).toBe(plan);
  });

  it('fails loudly, naming the setting, when it is not a plan', () => {
    for (const plan of ['gold', 'Team', '']) {
      expect(() => withPlan(plan)).toThrow(/^invalid Worker configuration: DEFAULT_PLAN: .*"free"\|"pro"\|"team"\|"enterprise"/);
    }
  });
});
