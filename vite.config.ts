import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { wasmThreadsAssets } from './build/wasm-threads.ts';

/**
 * Cross-origin isolation (COOP + COEP) lets the WASM backend use threads (SharedArrayBuffer).
 * Everything the page loads is its own origin, so `require-corp` costs nothing.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Nothing leaves the machine: the page may talk to its own origin only. 'wasm-unsafe-eval'
 * lets WebAssembly compile (the WASM backend); no JS eval is allowed. Inline styles stay
 * allowed for the chart library's measured layout.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The production HTML carries the policy itself, so any static host enforces it. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'ganvas-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  // tfjs-wasm runs in our Worker, so its threads' scripts are that bundle's assets.
  worker: { format: 'es', plugins: () => [wasmThreadsAssets()] },
  server: { headers: isolationHeaders },
  preview: { headers: { ...isolationHeaders, 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
