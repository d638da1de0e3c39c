/**
 * The bench's bare-steps page (built only by bench/bench-page.ts, never part of the app): starts
 * bench/page/bare-steps.worker.ts with this page's URL parameters and keeps every message it
 * sends in `window.__bare`, where the bench reads them, even when it stops waiting half-way.
 */
const messages: unknown[] = [];
(window as unknown as { __bare: unknown[] }).__bare = messages;
const worker = new Worker(new URL('./bare-steps.worker.ts', import.meta.url), { type: 'module', name: 'ganvas-bare-steps' });
worker.onmessage = (e: MessageEvent<unknown>) => messages.push(e.data);
worker.onerror = (e: ErrorEvent) => messages.push({ type: 'error', message: e.message });
worker.postMessage({ search: location.search });
