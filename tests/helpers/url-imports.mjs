/**
 * For Dawn checks that load the Worker's own modules in Node (outside Vite), two things Vite
 * does that Node does not: an import ending in `?url` (Vite's "this asset's URL") resolves to a
 * module whose default export is the file's URL; and `gifenc` resolves to its ES build (its
 * CommonJS build names no exports Node can see). Registered with
 * `node --import ./tests/helpers/url-imports.mjs`.
 */
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === 'gifenc') return next('gifenc/dist/gifenc.esm.js', context);
  if (!specifier.endsWith('?url')) return next(specifier, context);
  const { url } = await next(specifier.slice(0, -'?url'.length), context);
  return { shortCircuit: true, url: 'data:text/javascript,export default ' + encodeURIComponent(JSON.stringify(url)) };
}`),
);
