/** URL parameters → the page's start-up choices. The URL is the shareable form of a setup. */
import { msg, type Message } from '../contract/messages.ts';
import type { FaultSpec } from '../contract/protocol.ts';
import { BACKENDS, configFromParams, DEFAULT_CONFIG, type BackendRequest, type ConfigIssue, type TrainConfig } from '../contract/config.ts';

export interface StartupOptions {
  backend: BackendRequest;
  config: TrainConfig;
  /** True when the URL fixes no size, so the Worker picks one that suits the backend. */
  autoSize: boolean;
  /** A built-in dataset name, or 'none' for an empty start. */
  dataset: string;
  /** Start training as soon as data and model are ready. */
  autostart: boolean;
  /** `?threads=N`: WASM's thread count, instead of the one a race picks. */
  threads: number | undefined;
  /** Test hook: a fault to inject at a step. */
  fault: FaultSpec | undefined;
  /** Problems with the URL, shown to the person rather than silently ignored. */
  issues: Message[];
}

export const DEFAULT_DATASET = 'faces';

/**
 * `testHooks`: whether the fault hooks may fire. Only a test turns them on (it sets
 * `localStorage['ganvas:test-hooks'] = '1'` before the page loads), so no link can crash a
 * visitor's Worker.
 */
export function readStartup(search: string, testHooks = false): StartupOptions {
  const params = new URLSearchParams(search);
  const { config, issues } = configFromParams(params, DEFAULT_CONFIG);
  const messages = issues.map((i: ConfigIssue) => i.message);
  const rawBackend = params.get('backend') ?? 'auto';
  const backend = (BACKENDS as readonly string[]).includes(rawBackend) ? (rawBackend as BackendRequest) : 'auto';
  if (backend !== rawBackend) messages.push(msg('url.unknownBackend', { value: rawBackend }));
  return {
    backend,
    config,
    autoSize: !params.has('res') && !params.has('preset') && !params.has('width'),
    dataset: params.get('dataset') ?? DEFAULT_DATASET,
    autostart: params.get('autostart') !== '0',
    threads: readThreads(params.get('threads'), messages),
    fault: testHooks ? readFault(params) : undefined,
    issues: messages,
  };
}

const MAX_THREADS = 16;

function readThreads(raw: string | null, messages: Message[]): number | undefined {
  if (raw === null) return undefined;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 1 && n <= MAX_THREADS) return n;
  messages.push(msg('url.badThreads', { value: raw }));
  return undefined;
}

const FAULTS: FaultSpec['kind'][] = ['nan', 'device-lost', 'worker-crash'];

/** The switch a test sets to let `?fault=` through (see readStartup). */
export function testHooksOn(storage: Pick<Storage, 'getItem'> | undefined): boolean {
  try {
    return storage?.getItem('ganvas:test-hooks') === '1';
  } catch {
    return false; // storage blocked: no hooks
  }
}

function readFault(params: URLSearchParams): FaultSpec | undefined {
  const kind = params.get('fault') as FaultSpec['kind'] | null;
  if (!kind || !FAULTS.includes(kind)) return undefined;
  return { kind, at: Number(params.get('faultAt') ?? 10) };
}
