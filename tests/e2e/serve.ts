/**
 * Serves the production build (`dist/`, made by `npm run build` before the e2e project runs)
 * with Vite's preview server, with the same headers a host should send. GANVAS_DIST names another
 * build folder (e.g. `npx vite build --outDir dist-mine`), so one engineer's rebuild does not pull
 * the files from under another's running browser tests.
 */
import { existsSync } from 'node:fs';
import { preview } from 'vite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const outDir = process.env['GANVAS_DIST'] ?? 'dist';
  if (!existsSync(`${outDir}/index.html`)) throw new Error(`no production build in ${outDir}/: run \`npm run build\` first (npm test does)`);
  const server = await preview({ build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false }, logLevel: 'warn' });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the preview server did not report its address');
  project.provide('baseUrl', url.replace(/\/$/, ''));
  return async () => {
    await server.close();
  };
}
