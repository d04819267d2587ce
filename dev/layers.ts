// The layer rules (.dependency-cruiser.cjs) applied to a tree: what `npm test` runs on the repository
// (dev/layers.test.ts), and on a fixture of deliberate violations to prove the check bites.
import { createRequire } from 'node:module';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const config = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as IConfiguration;

/** The folders held by the rules, as they sit in a tree. */
export const LAYER_ROOTS = ['protocol', 'core', 'workers', 'durable-objects', 'queues', 'agent', 'site/src', 'cli'];

export interface Violation {
  rule: string;
  from: string;
  to: string;
}

export async function checkLayers(baseDir: string, roots: string[] = LAYER_ROOTS): Promise<{ violations: Violation[]; modules: number }> {
  const { output } = await cruise(
    roots,
    { ...config.options, baseDir, validate: true, ruleSet: { forbidden: config.forbidden } },
    { extensions: ['.ts', '.tsx', '.mjs', '.js'] },
  );
  const result = output as ICruiseResult;
  return {
    violations: result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })),
    modules: result.summary.totalCruised,
  };
}
