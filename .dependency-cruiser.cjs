// The layers of the repository (docs/architecture.md) as rules: imports run one way, from the edge code down to
// core/ and protocol/, and the agent and the dashboard speak only the protocol. `npm test` checks the whole tree
// against them (dev/layers.test.ts); `npx depcruise core protocol workers durable-objects queues agent site/src`
// prints the same verdict. Tests and their harnesses may cross layers to test the whole, so they are not held.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'protocol-imports-nothing-of-the-project',
      comment: 'protocol/ is the contract every process shares: zod and nothing of ours.',
      severity: 'error',
      from: { path: '^protocol/' },
      to: { path: '^(core|workers|durable-objects|queues|agent|site|drizzle|cli|dev|e2e)/' },
    },
    {
      name: 'core-stays-below-the-edge',
      comment: 'core/ is the shared kernel: it imports protocol/ and drizzle/ only, never the code above it.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(workers|durable-objects|queues|agent|site|cli|dev|e2e)/' },
    },
    {
      name: 'agent-speaks-only-the-protocol',
      comment: 'The region agent runs in the data plane: it shares protocol/ with the control plane and nothing else.',
      severity: 'error',
      from: { path: '^agent/' },
      to: { path: '^(core|workers|durable-objects|queues|site|drizzle|cli)/' },
    },
    {
      name: 'site-sees-protocol-and-route-types-only',
      comment: 'The dashboard imports protocol/ and the type of the API routes (ApiApp), nothing else of the edge.',
      severity: 'error',
      from: { path: '^site/' },
      to: {
        path: '^(core|workers|durable-objects|queues|agent|drizzle|cli)/',
        pathNot: '^workers/routes/index\\.ts$',
      },
    },
    {
      name: 'cli-sees-protocol-and-route-types-only',
      comment: 'The CLI is a client of the API: it imports protocol/ and the type of the API routes (ApiApp), nothing else.',
      severity: 'error',
      from: { path: '^cli/' },
      to: {
        path: '^(core|workers|durable-objects|queues|agent|site|drizzle|dev|e2e)/',
        pathNot: '^workers/routes/index\\.ts$',
      },
    },
    {
      name: 'workers-wire-objects-and-queues-only',
      comment:
        'workers/ reaches Durable Objects and queue consumers only to wire the Worker entry and the binding types ' +
        "(each object's typed stub helper).",
      severity: 'error',
      from: { path: '^workers/', pathNot: '^workers/(index|env)\\.ts$' },
      to: { path: '^(durable-objects|queues)/', pathNot: '^durable-objects/[^/]+/stub\\.ts$' },
    },
    {
      name: 'objects-and-consumers-stay-below-workers',
      comment: 'Durable Objects and queue consumers import core/ and protocol/ (and reach each other through stubs), never workers/.',
      severity: 'error',
      from: { path: '^(durable-objects|queues)/' },
      to: { path: '^(workers|agent|site|cli)/' },
    },
    {
      name: 'consumers-reach-objects-through-stubs',
      comment: 'A queue consumer reaches a Durable Object through its stub helper, never its class.',
      severity: 'error',
      from: { path: '^queues/' },
      to: { path: '^durable-objects/', pathNot: '^durable-objects/([^/]+/stub|bindings)\\.ts$' },
    },
  ],
  options: {
    // Tests and their harnesses test the whole and may cross layers; fixtures of deliberate violations too.
    exclude: { path: '(\\.test\\.tsx?$|^workers/test/|^agent/testing/|^e2e/|^dev/|node_modules)' },
    doNotFollow: { path: 'node_modules' },
    // swc parses the TypeScript: dependency-cruiser does not read the TypeScript 7 compiler yet. Imports name their
    // files with extensions, so no tsconfig is needed to resolve them.
    parser: 'swc',
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.mjs', '.js'] },
  },
};
