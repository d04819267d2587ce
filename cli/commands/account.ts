// orochi orgs, projects, regions: what a cluster is made in.
import { unwrap } from '../client.ts';
import type { Command } from '../command.ts';
import { rows } from '../output.ts';

export const accountCommands: Command[] = [
  {
    path: ['orgs'],
    summary: 'List the organizations you belong to',
    async run(ctx) {
      const page = await unwrap(ctx.api.v1.organizations.$get({ query: { limit: '100' } }));
      return rows(page.data, page.data, [
        { header: 'ID', value: (o) => o.id },
        { header: 'NAME', value: (o) => o.name },
        { header: 'PLAN', value: (o) => o.plan },
        { header: 'ROLE', value: (o) => o.role },
        { header: 'CREATED', value: (o) => o.created_at },
      ]);
    },
  },
  {
    path: ['projects'],
    summary: 'List the projects of the organization',
    async run(ctx) {
      const page = await unwrap(ctx.api.v1.projects.$get({ query: { limit: '100', ...(ctx.org ? { org_id: ctx.org } : {}) } }));
      return rows(page.data, page.data, [
        { header: 'ID', value: (p) => p.id },
        { header: 'NAME', value: (p) => p.name },
        { header: 'CREATED', value: (p) => p.created_at },
      ]);
    },
  },
  {
    path: ['regions'],
    summary: 'List the regions clusters can be made in',
    async run(ctx) {
      const page = await unwrap(ctx.api.v1.regions.$get({ query: { limit: '100', ...(ctx.org ? { org_id: ctx.org } : {}) } }));
      return rows(page.data, page.data, [
        { header: 'ID', value: (r) => r.id },
        { header: 'NAME', value: (r) => r.name },
        { header: 'PROVIDER', value: (r) => r.provider },
        { header: 'DRIVER', value: (r) => r.driver },
        { header: 'STATUS', value: (r) => r.status },
        { header: 'VISIBILITY', value: (r) => r.visibility },
      ]);
    },
  },
];
