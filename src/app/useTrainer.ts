/** The one place the Worker is created. Events fold into UiState; commands go out typed. */
import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { Command, WorkerEvent } from '../contract/protocol.ts';
import { initialState, reduce, type UiState } from './state.ts';
import type { StartupOptions } from './url.ts';

export type Send = (cmd: Command) => void;

export function useTrainer(startup: StartupOptions): [UiState, Send] {
  const [state, dispatch] = useReducer(reduce, initialState);
  const worker = useRef<Worker | null>(null);

  useEffect(() => {
    const w = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module', name: 'ganvas-trainer' });
    worker.current = w;
    w.onmessage = (e: MessageEvent<WorkerEvent>) => {
      if (e.data.type === 'project') download(e.data.name, e.data.bytes);
      if (e.data.type === 'runs' && e.data.runs.length > 0) void navigator.storage?.persist?.();
      dispatch(e.data);
    };
    w.onerror = (e) => dispatch({ type: 'status', state: 'error', message: `the training worker failed: ${e.message || 'unknown error'}` });
    const post = (cmd: Command) => w.postMessage(cmd);
    post({ type: 'init', backend: startup.backend, config: startup.config, autoSize: startup.autoSize, ...(startup.fault ? { fault: startup.fault } : {}) });
    if (startup.dataset !== 'none') post({ type: 'dataset/builtin', name: startup.dataset });
    if (startup.autostart && startup.dataset !== 'none') post({ type: 'train/start' });
    return () => {
      w.terminate();
      worker.current = null;
    };
  }, [startup]);

  const send = useCallback<Send>((cmd) => worker.current?.postMessage(cmd), []);
  return [state, send];
}

function download(name: string, bytes: ArrayBuffer): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
