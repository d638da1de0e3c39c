/**
 * The one place the Worker is created. Events fold into UiState; commands go out typed.
 * If the Worker crashes (an uncaught error, out of memory), a new one is started and the run
 * is restored from its last autosave, so a crash costs at most one autosave interval.
 */
import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { BackendName } from '../contract/config.ts';
import { msg } from '../contract/messages.ts';
import type { Command, WorkerEvent } from '../contract/protocol.ts';
import { initialState, reduce, type UiState } from './state.ts';
import type { StartupOptions } from './url.ts';
import { afterCrash } from './crash-policy.ts';
import { pageStorage, rememberThreadRace, threadsChoice } from './threads.ts';

export type Send = (cmd: Command) => void;

/** What the page remembers about the run, to restore it into a fresh Worker. */
interface Watch {
  run: string | undefined;
  training: boolean;
  /** The dataset and settings commands since the last reset, replayed when there is no autosave yet. */
  replay: Command[];
}

/** Keeps the commands that rebuild the current dataset and settings. */
function remember(watch: Watch, cmd: Command): void {
  switch (cmd.type) {
    case 'dataset/builtin':
    case 'dataset/clear':
      watch.replay = cmd.type === 'dataset/builtin' ? [cmd] : [];
      break;
    case 'dataset/files':
      watch.replay = cmd.replace ? [cmd] : [...watch.replay, cmd];
      break;
    case 'dataset/remove':
    case 'dataset/options':
    case 'config':
    case 'train/game':
      watch.replay.push(cmd);
      break;
    // Asked for, not yet confirmed: a Worker that dies before it reads the command must not
    // make the person press Train twice.
    case 'train/start':
    case 'train/pause':
      watch.training = cmd.type === 'train/start';
      break;
    default:
      break;
  }
}

export function useTrainer(startup: StartupOptions): [UiState, Send] {
  const [state, dispatch] = useReducer(reduce, initialState);
  const worker = useRef<Worker | null>(null);
  const watchRef = useRef<Watch>({ run: undefined, training: false, replay: [] });

  useEffect(() => {
    const watch = watchRef.current;
    let disposed = false;
    // A device that keeps dying (or a Worker that keeps crashing) must not restart forever.
    const crashes: number[] = [];
    let backend = startup.backend;
    let running: BackendName | undefined;
    /** `recovering`: why the previous Worker died, when this one replaces it. */
    const spawn = (recovering: string | undefined) => {
      const w = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module', name: 'ganvas-trainer' });
      worker.current = w;
      w.onmessage = (e: MessageEvent<WorkerEvent>) => {
        const ev = e.data;
        if (ev.type === 'project') download(ev.name, ev.bytes, 'application/zip');
        if (ev.type === 'download') download(ev.name, ev.bytes, ev.mime);
        if (ev.type === 'backend') {
          running = ev.backend.name;
          if (ev.backend.threadRace) rememberThreadRace(pageStorage(), navigator.hardwareConcurrency, ev.backend.threadRace);
        }
        if (ev.type === 'runs') {
          watch.run = ev.current;
          if (ev.runs.length > 0) void navigator.storage?.persist?.();
        }
        // 'loading' says nothing about the loop: a lost device reports it just before the Worker dies.
        if (ev.type === 'status' && ev.state !== 'loading') watch.training = ev.state === 'training';
        dispatch(ev);
      };
      w.onerror = (e) => {
        e.preventDefault();
        w.terminate();
        if (disposed) return;
        const why = e.message || 'unknown error';
        const now = Date.now();
        crashes.push(now);
        const next = afterCrash(crashes, now, running);
        if (next.action === 'stop') {
          dispatch({ type: 'notice', level: 'error', message: msg('crash.gaveUp', { n: next.failures, why }) });
          dispatch({ type: 'status', state: 'error', message: msg('crash.keepsCrashing', { why }) });
          return;
        }
        if (next.action === 'fallback') {
          // The GPU path keeps failing: go on where there is no device to lose.
          dispatch({ type: 'notice', level: 'warning', message: msg('crash.fallback', { backend: running ?? 'GPU', n: next.failures, why }) });
          backend = next.to;
        } else {
          dispatch({ type: 'notice', level: 'warning', message: msg(watch.run ? 'crash.restored' : 'crash.nothingToRestore', { why }) });
        }
        spawn(why);
      };
      const post = (cmd: Command) => w.postMessage(cmd);
      // The fault hook fires once: a restarted Worker must not crash again on purpose.
      const fault = recovering ? undefined : startup.fault;
      const threads = threadsChoice(startup.threads, pageStorage(), navigator.hardwareConcurrency);
      post({
        type: 'init',
        backend,
        config: startup.config,
        autoSize: startup.autoSize,
        ...(threads ? { threads } : {}),
        ...(fault ? { fault } : {}),
        ...(recovering ? { recovered: recovering } : {}),
      });
      if (recovering) {
        const wasTraining = watch.training;
        // The last autosave if there is one; else the data and settings as they were given.
        if (watch.run) post({ type: 'runs/resume', id: watch.run });
        else watch.replay.forEach(post);
        if (wasTraining) post({ type: 'train/start' });
        return;
      }
      if (startup.dataset !== 'none') remember(watch, { type: 'dataset/builtin', name: startup.dataset });
      if (startup.dataset !== 'none') post({ type: 'dataset/builtin', name: startup.dataset });
      if (startup.autostart && startup.dataset !== 'none') post({ type: 'train/start' });
    };
    spawn(undefined);
    return () => {
      disposed = true;
      worker.current?.terminate();
      worker.current = null;
    };
  }, [startup]);

  const send = useCallback<Send>((cmd) => {
    remember(watchRef.current, cmd);
    worker.current?.postMessage(cmd);
  }, []);
  return [state, send];
}

export function download(name: string, bytes: ArrayBuffer | Blob, mime: string): void {
  const url = URL.createObjectURL(bytes instanceof Blob ? bytes : new Blob([bytes], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
