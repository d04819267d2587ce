import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayers } from './layers.ts';

const root = resolve(import.meta.dirname, '..');

describe('the layer rules', () => {
  it('hold on the repository: imports run one way, the agent and the site speak only the protocol', async () => {
    const { violations, modules } = await checkLayers(root);
    // Every source file of the layers was read, not an empty selection.
    expect(modules).toBeGreaterThan(200);
    expect(violations, violations.map((v) => `${v.rule}: ${v.from} -> ${v.to}`).join('\n')).toEqual([]);
  }, 60_000);

  it('fail on a tree that breaks them (a fixture, not the real tree)', async () => {
    const { violations } = await checkLayers(resolve(import.meta.dirname, 'layers-fixture'));
    const seen = violations.map((v) => `${v.rule}: ${v.from} -> ${v.to}`).sort();
    expect(seen).toEqual(
      [
        'agent-speaks-only-the-protocol: agent/main.ts -> core/kernel.ts',
        'cli-sees-protocol-and-route-types-only: cli/main.ts -> core/kernel.ts',
        'consumers-reach-objects-through-stubs: queues/consumer.ts -> durable-objects/cluster/cluster-do.ts',
        'core-stays-below-the-edge: core/kernel.ts -> workers/routes/route.ts',
        'objects-and-consumers-stay-below-workers: durable-objects/cluster/cluster-do.ts -> workers/routes/route.ts',
        'protocol-imports-nothing-of-the-project: protocol/contract.ts -> core/kernel.ts',
        'site-sees-protocol-and-route-types-only: site/src/page.ts -> core/kernel.ts',
        'workers-wire-objects-and-queues-only: workers/routes/route.ts -> durable-objects/cluster/cluster-do.ts',
      ].sort(),
    );
  }, 60_000);
});
