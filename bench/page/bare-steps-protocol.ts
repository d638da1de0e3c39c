/**
 * Messages of the bench's bare-steps Worker (bare-steps.worker.ts) to its page, read by
 * bench/bench-page.ts. Not part of the app's protocol: the app never starts this Worker.
 */
import type { TrainConfig } from '../../src/contract/config.ts';
import type { BackendInfo } from '../../src/contract/protocol.ts';
import type { StepTiming } from '../step-timing.ts';

/** To the Worker: the page's URL query (`backend=wasm&preset=small&batch=32&steps=8&maxMs=30000`). */
export interface BareRequest {
  search: string;
}

export type BareMessage =
  | { type: 'backend'; backend: BackendInfo; config: TrainConfig }
  /** After every step; 0 is the first (compile) step. `kernels` on the step that counted them. */
  | { type: 'step'; index: number; ms: number; kernels: number | undefined }
  | { type: 'done'; timing: StepTiming }
  | { type: 'error'; message: string };
