/**
 * The WASM training backend in Node. Emscripten's Node glue adds `uncaughtException` and
 * `unhandledRejection` handlers to the process when the backend starts; both rethrow, which turns
 * any rejected promise (a failing test, a missing kernel) into a dead process instead of a
 * reported error. Starting through here removes exactly those handlers. Node-only, so it lives
 * outside the engine.
 */
import '@tensorflow/tfjs-backend-wasm';
import { setWasmBackendForTraining } from '../src/gan/backend/wasm-kernels.ts';

type Listener = (...args: unknown[]) => unknown;
const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
/** The two handlers emscripten's Node glue installs: both rethrow, so any error kills the process. */
const EMSCRIPTEN_HANDLER = /^function\s*\((reason|ex)\)\s*\{\s*(throw reason|if\s*\(!\(ex instanceof ExitStatus\)\))/;

const listeners = (event: (typeof PROCESS_EVENTS)[number]) => process.listeners(event as 'uncaughtException') as Listener[];

/**
 * Removes the rethrowing listeners that are not in `before` (the listeners from before the backend
 * started) and any listener with emscripten's source.
 */
export function releaseEmscriptenProcessHandlers(before?: ReadonlyMap<string, Listener[]>): void {
  for (const event of PROCESS_EVENTS) {
    const old = before?.get(event);
    for (const listener of listeners(event)) {
      const source = String(listener);
      const added = old !== undefined && !old.includes(listener) && source.includes('throw');
      if (added || EMSCRIPTEN_HANDLER.test(source)) process.removeListener(event, listener as never);
    }
  }
}

/** `setWasmBackendForTraining` for Node: the engine's start, and the process left as it was. */
export async function startWasmInNode(): Promise<boolean> {
  const before = new Map(PROCESS_EVENTS.map((e) => [e, listeners(e)] as const));
  try {
    return await setWasmBackendForTraining();
  } finally {
    releaseEmscriptenProcessHandlers(before);
  }
}
