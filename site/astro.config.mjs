// The dashboard: static pages with React islands, built into site/dist and served by the Worker's static assets.
import react from '@astrojs/react';
import { defineConfig } from 'astro/config';

export default defineConfig({
  output: 'static',
  outDir: './dist',
  // `/databases/new` is databases/new.html: with the Worker's `drop-trailing-slash` handling, no redirects.
  build: { format: 'file', inlineStylesheets: 'always' },
  integrations: [react()],
  devToolbar: { enabled: false },
  telemetry: false,
});
