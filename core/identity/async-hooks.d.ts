// The part of node:async_hooks the Worker uses (workerd provides it under nodejs_compat). The Worker's type set
// leaves out @types/node so that Node-only APIs stay out of Worker code; this names the one that is available.
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, callback: () => R): R;
    getStore(): T | undefined;
  }
}
