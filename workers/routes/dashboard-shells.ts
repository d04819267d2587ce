// Dashboard pages whose path carries an id (/databases/<id>) have no file of their own: the static site holds one
// shell per kind of page, and its island reads the id from the address. Files that exist are served before the
// Worker runs; only these paths reach it.
import type { App } from '../app.ts';

const SHELLS: ReadonlyArray<[pattern: string, shell: string]> = [['/databases/:id{cl_[0-9a-z]{26}}', '/databases/view']];

export function registerDashboardShells(app: App): void {
  for (const [pattern, shell] of SHELLS) {
    app.get(pattern, (c) => c.env.ASSETS.fetch(new Request(new URL(shell, c.req.url), { headers: c.req.raw.headers })));
  }
}
